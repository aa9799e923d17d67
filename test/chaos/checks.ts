/**
 * The chaos run's invariants, counted from three witnesses that do not share
 * code: the simulators' records (what the providers did), Paypilot's
 * database, and what the merchant's client and webhook receiver saw.
 */
import pg from 'pg';
import type { ApiClient } from './client.ts';

export interface Evidence {
  databaseUrl: string;
  merchantId: string;
  client: ApiClient;
  createdPaymentIds: string[];
  /** Payment id → the Idempotency-Keys of the refunds the merchant asked for it. */
  refundKeysByPayment: Map<string, string[]>;
  /** Simulator name → its /_control/records answer. */
  records: Record<string, SimulatorRecords>;
  receivedEventIds: Set<string>;
  badSignatures: number;
  ledger: { code: number | null; output: string };
}

export interface SimulatorRecords {
  effects: { kind: string; key: string | null; object: string | null; amount: string | null }[];
  keys_with_second_effect: { key_kind: string; key: string; effects: Record<string, number> }[];
  keys_seen_more_than_once: number;
  effects_dropped: number;
}

export interface Finding {
  name: string;
  figure: number;
  ok: boolean;
  samples: string[];
  /** A figure to show, not an invariant. */
  info?: boolean;
}

const chargeKinds: Record<string, string> = { card: 'captured', alipay: 'paid', wechat_pay: 'paid', unionpay: 'paid' };

/** A provider's key for a Paypilot object back to the object's id: `att…`/`re…` numbers, `-rN` retry keys, Alipay's `order/refund`. */
export function paypilotIdOf(key: string): string | null {
  const last = key.includes('/') ? (key.split('/').pop() ?? '') : key;
  const match = /^(att|re|lpr)_?([0-9a-z]{26})(-r\d+)?$/.exec(last);
  return match ? `${match[1]}_${match[2]}` : null;
}

export async function checkInvariants(evidence: Evidence): Promise<Finding[]> {
  const pool = new pg.Pool({ connectionString: evidence.databaseUrl, max: 2 });
  try {
    const query = async <T>(text: string, values: unknown[] = []) => (await pool.query(text, values)).rows as T[];
    const merchant = [evidence.merchantId];
    const payments = await query<{ id: string; status: string; amount: string; amount_received: string; chaos_key: string | null }>(
      `select id, status, amount::text, amount_received::text, metadata->>'chaos_key' as chaos_key from payments where merchant_id = $1`, merchant);
    const attempts = await query<{ id: string; payment_id: string; key: string }>(
      'select id, payment_id, provider_idempotency_key as key from payment_attempts where merchant_id = $1', merchant);
    const refunds = await query<{ id: string; payment_id: string; amount: string; status: string }>(
      'select id, payment_id, amount::text, status from refunds where merchant_id = $1', merchant);
    // A payment the payer paid after Paypilot had canceled it is refunded by Paypilot on its own: a late-payment refund.
    const lateRefunds = await query<{ id: string; payment_id: string; amount: string; status: string }>(
      'select id, payment_id, amount::text, status from late_payment_refunds where merchant_id = $1', merchant);
    const events = await query<{ id: string; type: string }>('select id, type from events where merchant_id = $1', merchant);
    const deliveries = await query<{ status: string; count: string }>(
      'select status, count(*)::text as count from webhook_deliveries where merchant_id = $1 group by status', merchant);

    const paymentOfAttempt = new Map<string, string>();
    for (const attempt of attempts) {
      paymentOfAttempt.set(attempt.id, attempt.payment_id);
      paymentOfAttempt.set(attempt.key, attempt.payment_id);
    }
    const refundById = new Map([...refunds, ...lateRefunds].map((refund) => [refund.id, refund]));
    const byPayment = new Map<string, { charges: Set<string>; charged: bigint; refunded: bigint }>();
    const line = (paymentId: string) => {
      let found = byPayment.get(paymentId);
      if (found === undefined) byPayment.set(paymentId, (found = { charges: new Set(), charged: 0n, refunded: 0n }));
      return found;
    };
    const refundEffects = new Map<string, number>();
    const unattributed: string[] = [];
    for (const [simulator, records] of Object.entries(evidence.records)) {
      for (const effect of records.effects) {
        const isCharge = effect.kind === chargeKinds[simulator];
        if (!isCharge && effect.kind !== 'refunded') continue;
        const id = effect.key === null ? null : paypilotIdOf(effect.key);
        const amount = BigInt(effect.amount ?? '0');
        if (isCharge) {
          const paymentId = id === null ? undefined : paymentOfAttempt.get(id);
          if (paymentId === undefined) unattributed.push(`${simulator} ${effect.kind} ${effect.key} ${effect.amount}`);
          else {
            line(paymentId).charges.add(`${simulator}:${effect.object ?? effect.key}`);
            line(paymentId).charged += amount;
          }
        } else {
          const refund = id === null ? undefined : refundById.get(id);
          if (refund === undefined) unattributed.push(`${simulator} refunded ${effect.key} ${effect.amount}`);
          else {
            refundEffects.set(refund.id, (refundEffects.get(refund.id) ?? 0) + 1);
            line(refund.payment_id).refunded += amount;
          }
        }
      }
    }

    const findings: Finding[] = [];
    const add = (name: string, samples: string[], okWhenZero = true) => findings.push({ name, figure: samples.length, ok: !okWhenZero || samples.length === 0, samples: samples.slice(0, 10) });

    const paymentById = new Map(payments.map((payment) => [payment.id, payment]));
    const refundedHere = new Map<string, bigint>();
    const refundsOf = new Map<string, number>();
    const lateCharged = new Map<string, bigint>();
    for (const refund of refunds) refundsOf.set(refund.payment_id, (refundsOf.get(refund.payment_id) ?? 0) + 1);
    for (const refund of [...refunds, ...lateRefunds]) {
      if (refund.status !== 'failed') refundedHere.set(refund.payment_id, (refundedHere.get(refund.payment_id) ?? 0n) + BigInt(refund.amount));
    }
    for (const late of lateRefunds) lateCharged.set(late.payment_id, (lateCharged.get(late.payment_id) ?? 0n) + BigInt(late.amount));
    add('double charges (a payment charged more than once at a provider)', [...byPayment].filter(([, each]) => each.charges.size > 1).map(([id, each]) => `${id}: ${[...each.charges].join(', ')}`));
    // Two ways to refund twice: one refund made twice at the provider, or one refund request (one key) that became two refunds.
    const refundsMade = new Map<string, number>();
    for (const refund of refunds) if (refund.status !== 'failed') refundsMade.set(refund.payment_id, (refundsMade.get(refund.payment_id) ?? 0) + 1);
    add('double refunds (a refund made twice at a provider, or more refunds made than asked for)', [
      ...[...refundEffects].filter(([, count]) => count > 1).map(([id, count]) => `${id}: made ${count} times at the provider`),
      ...[...evidence.refundKeysByPayment].filter(([id, keys]) => (refundsMade.get(id) ?? 0) > keys.length).map(([id, keys]) => `${id}: ${refundsMade.get(id)} refunds made for ${keys.length} asked`),
    ]);
    add('refunded at providers more than Paypilot records', [...byPayment].filter(([id, each]) => each.refunded > (refundedHere.get(id) ?? 0n)).map(([id, each]) => `${id}: provider ${each.refunded}, Paypilot ${refundedHere.get(id) ?? 0n}`));
    add('money taken that Paypilot does not show (provider net ≠ Paypilot net)', [...byPayment].flatMap(([id, each]) => {
      const payment = paymentById.get(id);
      const providerNet = each.charged - each.refunded;
      const received = BigInt(payment?.amount_received ?? '0') + (lateCharged.get(id) ?? 0n);
      const ourNet = received - (refundedHere.get(id) ?? 0n);
      return providerNet === ourNet ? [] : [`${id} (${payment?.status}): provider ${each.charged} − ${each.refunded}, Paypilot ${received} − ${refundedHere.get(id) ?? 0n}`];
    }));
    add('provider effects Paypilot has no record of', unattributed);
    add('keys that caused a second effect at a simulator', Object.entries(evidence.records).flatMap(([simulator, records]) => records.keys_with_second_effect.map((key) => `${simulator} ${key.key_kind} ${key.key} ${JSON.stringify(key.effects)}`)));

    const lost: string[] = [];
    for (const id of evidence.createdPaymentIds) {
      const answer = await evidence.client.get(`/v1/payments/${id}`);
      if (answer === null || answer.status === 404) lost.push(`${id}: ${answer === null ? 'no answer' : '404'}`);
    }
    add('lost payments (created, then unknown to the API)', lost);
    add('payments not settled (still processing)', payments.filter((payment) => payment.status === 'processing').map((payment) => payment.id));
    add('refunds not settled (still pending)', [...refunds, ...lateRefunds].filter((refund) => refund.status === 'pending').map((refund) => `${refund.id} of ${refund.payment_id}`));

    const keyObjects = [...evidence.client.objectsByKey].filter(([, ids]) => ids.size > 1).map(([key, ids]) => `${key}: ${[...ids].join(', ')}`);
    const keyCounts = new Map<string, string[]>();
    for (const payment of payments) if (payment.chaos_key) keyCounts.set(payment.chaos_key, [...(keyCounts.get(payment.chaos_key) ?? []), payment.id]);
    const duplicatePayments = [...keyCounts].filter(([, ids]) => ids.length > 1).map(([key, ids]) => `${key}: payments ${ids.join(', ')}`);
    const duplicateRefunds = [...evidence.refundKeysByPayment].filter(([id, keys]) => (refundsOf.get(id) ?? 0) > keys.length).map(([id, keys]) => `${id}: ${refundsOf.get(id)} refunds for ${keys.length} keys`);
    add('one Idempotency-Key → more than one object', [...keyObjects, ...duplicatePayments, ...duplicateRefunds]);

    add('ledger verify fails', evidence.ledger.code === 0 ? [] : evidence.ledger.output.split('\n').filter(Boolean).slice(-10));
    const missing = events.filter((event) => !evidence.receivedEventIds.has(event.id)).map((event) => `${event.id} ${event.type}`);
    add('events not delivered to the webhook receiver', missing);
    add('webhook deliveries with a bad signature', Array.from({ length: evidence.badSignatures }, (_, n) => `#${n + 1}`));
    findings.push({ name: `events ${events.length}, received ${evidence.receivedEventIds.size}; deliveries ${deliveries.map((d) => `${d.status} ${d.count}`).join(', ')}`, figure: events.length, ok: true, samples: [], info: true });
    const statuses = new Map<string, number>();
    for (const payment of payments) statuses.set(payment.status, (statuses.get(payment.status) ?? 0) + 1);
    findings.push({ name: `payments by status: ${[...statuses].map(([status, count]) => `${status} ${count}`).join(', ')}; refunds ${refunds.length}, late-payment refunds ${lateRefunds.length}`, figure: payments.length, ok: true, samples: [], info: true });
    return findings;
  } finally {
    await pool.end();
  }
}
