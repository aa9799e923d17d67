/**
 * Checks a URL a merchant sets (a webhook endpoint, a connector account's
 * base_url) when it is saved, so a URL aimed at an internal address is
 * refused with a catalogued error at once rather than failing on every
 * delivery. This is the early answer, not the guard: the shared exchange
 * judges the address it actually connects to on every call, which is what
 * stops a name that resolves elsewhere later (DNS rebinding).
 */
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { addressAllowed, classifyAddress, judgeUrlHost, type OutboundMode } from '../../domain/notifications/outbound-address.ts';
import type { ResolvedAddress } from '../../connectors/http-exchange.ts';
import type { FlowContext } from '../context.ts';

/** Throws `url_not_public` when the URL leads to an address its mode may not reach. The URL must already parse. */
export async function checkOutboundUrl(context: Pick<FlowContext, 'outbound'>, url: string, mode: OutboundMode, param: string): Promise<void> {
  const { policy, resolve } = context.outbound;
  const verdict = judgeUrlHost(new URL(url), mode, policy);
  if (verdict.kind === 'allowed') return;
  if (verdict.kind === 'refused') throw refusal(param, verdict.host, verdict.addressClass);
  const addresses = await resolveWithin(() => resolve(verdict.hostname), limits.outboundLookupTimeoutMs);
  // A name that does not resolve now cannot be judged now; every connection judges it again.
  if (addresses === null) return;
  const refused = addresses.find((entry) => !addressAllowed(entry.address, mode, policy));
  if (refused) throw refusal(param, verdict.hostname, classifyAddress(refused.address));
}

function refusal(param: string, host: string, addressClass: string): PaymentError {
  return new PaymentError('url_not_public', { param, details: { host, address_class: addressClass } });
}

async function resolveWithin(resolve: () => Promise<readonly ResolvedAddress[]>, timeoutMs: number): Promise<readonly ResolvedAddress[] | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((settle) => {
    timer = setTimeout(() => settle(null), timeoutMs);
  });
  try {
    return await Promise.race([resolve().catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
