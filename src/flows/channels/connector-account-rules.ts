/**
 * What a connector account is accepted with, checked alike when it is
 * created and when it is changed: the credentials its connector needs and
 * nothing else, and a gateway that reaches a public address.
 */
import type { ConnectorName } from '../../connectors/connector.ts';
import { PaymentError } from '../../domain/errors.ts';
import type { Mode } from '../../store/schema.ts';
import type { FlowContext } from '../context.ts';
import { checkOutboundUrl } from '../notifications/outbound-urls.ts';

/** The credentials each connector needs; nothing else is accepted, and none is ever returned. */
const requiredCredentials: Record<ConnectorName, readonly string[]> = {
  card: ['api_key'],
  alipay: ['app_id', 'private_key', 'alipay_public_key', 'seller_id'],
  wechat_pay: ['mchid', 'appid', 'serial_no', 'private_key', 'apiv3_key'],
  unionpay: ['mer_id', 'cert_id', 'private_key', 'unionpay_public_key'],
};
/** Accepted, not required: WeChat Pay's platform key and its id (public key mode) or first certificate; without them the certificates are downloaded. */
const optionalCredentials: Partial<Record<ConnectorName, readonly string[]>> = {
  wechat_pay: ['platform_public_key', 'platform_serial'],
};

export function checkCredentials(connector: ConnectorName, credentials: Record<string, string>): void {
  const required = requiredCredentials[connector];
  const missing = required.find((name) => !credentials[name]);
  if (missing) throw new PaymentError('parameter_missing', { param: `credentials.${missing}` });
  const optional = optionalCredentials[connector] ?? [];
  const unknown = Object.keys(credentials).find((name) => !required.includes(name) && !optional.includes(name));
  if (unknown) throw new PaymentError('parameter_unknown', { param: `credentials.${unknown}` });
}

/** A gateway must be an absolute URL that reaches a public address (url_not_public), as every call to it is checked again. */
export async function checkBaseUrl(context: FlowContext, baseUrl: string, mode: Mode): Promise<void> {
  if (!URL.canParse(baseUrl)) throw new PaymentError('parameter_invalid', { param: 'base_url', details: { reason: 'not an absolute URL' } });
  await checkOutboundUrl(context, baseUrl, mode, 'base_url');
}

/** Stored without trailing slashes, so paths join it alike whichever way it was written. */
export function storedBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}
