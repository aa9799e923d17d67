/**
 * One payment's timeline for the console: every list the payment's page
 * shows, read at once and merged into one time-ordered list of entries.
 */
import { limits } from '../../domain/limits.ts';
import { amountToJson } from '../../domain/money.ts';
import {
  paymentAttempts,
  paymentFunnel,
  paymentHistory,
  paymentMessages,
  paymentRefunds,
  webhookDeliveriesAround,
} from '../../store/console/payment-timeline.ts';
import type { Scope } from '../../store/payments.ts';
import type { FlowContext } from '../context.ts';
import { onReadDatabase } from '../read-database.ts';
import { getPayment } from '../payments/create-payment.ts';

/** Messages a payer was sent about their payment (receipts, refund notices): those a member may send again. */
export function isResendable(purpose: string): boolean {
  return purpose.startsWith('payer_');
}

export type TimelineKind = 'history' | 'attempt' | 'funnel' | 'webhook' | 'message' | 'refund';

export async function paymentTimeline(context: FlowContext, scope: Scope, paymentId: string) {
  const payment = await getPayment(context, scope, paymentId);
  const rows = limits.consoleTimelineRowsMax;
  const { history, attempts, funnel, refunds, messages, deliveries } = await onReadDatabase(context, async (db) => {
    const [history, attempts, funnel, refunds, messages] = await Promise.all([
      paymentHistory(db, scope, payment.id, rows),
      paymentAttempts(db, scope, payment.id, rows),
      paymentFunnel(db, scope, payment.id, rows),
      paymentRefunds(db, scope, payment.id, rows),
      paymentMessages(db, scope, payment.id, rows),
    ]);
    const instants = [payment.created_at, ...history.map((h) => h.created_at), ...refunds.flatMap((r) => [r.created_at, r.updated_at])];
    const deliveries = await webhookDeliveriesAround(db, scope, [payment.id, ...refunds.map((r) => r.id)], instants, rows);
    return { history, attempts, funnel, refunds, messages, deliveries };
  });

  const timeline = {
    history: history.map((h) => ({
      id: h.id,
      from_status: h.from_status,
      to_status: h.to_status,
      actor: h.actor,
      reason: h.reason,
      error_code: h.error_code,
      decline_code: h.decline_code,
      attempt_id: h.attempt_id,
      created_at: h.created_at.toISOString(),
    })),
    attempts: attempts.map((a) => ({
      id: a.id,
      operation: a.operation,
      connector: a.connector,
      connector_account: a.connector_account_id,
      payment_method_type: a.payment_method_type,
      status: a.status,
      amount: amountToJson(BigInt(a.amount)),
      currency: payment.currency,
      error_code: a.error_code,
      decline_code: a.decline_code,
      latency_ms: a.latency_ms,
      tries: a.tries,
      started_at: a.started_at.toISOString(),
      completed_at: a.completed_at?.toISOString() ?? null,
    })),
    funnel_events: funnel.map((f) => ({
      id: String(f.id),
      type: f.type,
      payment_method_type: f.payment_method_type,
      device_class: f.device_class,
      error_code: f.error_code,
      reason: f.reason,
      created_at: f.created_at.toISOString(),
    })),
    webhook_deliveries: deliveries.map((d) => ({
      id: d.id,
      event_id: d.event_id,
      event_type: d.event_type,
      endpoint: d.endpoint,
      endpoint_url: d.endpoint_url,
      status: d.status,
      attempts: d.attempts,
      last_status_code: d.last_response_status,
      last_error: d.last_error,
      created_at: d.created_at.toISOString(),
      last_attempted_at: d.last_attempted_at?.toISOString() ?? null,
    })),
    messages: messages.map(presentMessage),
    refunds: refunds.map((r) => ({
      id: r.id,
      amount: amountToJson(BigInt(r.amount)),
      currency: r.currency,
      status: r.status,
      reason: r.reason,
      failure_reason: r.failure_reason,
      created_at: r.created_at.toISOString(),
    })),
  };
  return { payment, ...timeline, entries: mergedEntries(timeline) };
}

export function presentMessage(m: {
  id: string;
  channel: 'email' | 'sms';
  purpose: string;
  recipient: string;
  locale: string;
  subject: string | null;
  status: string;
  attempts: number;
  last_error: string | null;
  sent_at: Date | null;
  created_at: Date;
}) {
  return {
    id: m.id,
    object: 'message' as const,
    channel: m.channel,
    purpose: m.purpose,
    recipient: m.recipient,
    locale: m.locale,
    subject: m.subject,
    status: m.status,
    attempts: m.attempts,
    last_error: m.last_error,
    sent_at: m.sent_at?.toISOString() ?? null,
    created_at: m.created_at.toISOString(),
    resendable: isResendable(m.purpose),
  };
}

interface Entry {
  at: string;
  kind: TimelineKind;
  id: string;
  summary: string;
}

function mergedEntries(t: {
  history: { id: string; created_at: string; from_status: string | null; to_status: string; reason: string | null }[];
  attempts: { id: string; started_at: string; operation: string; connector: string; status: string; error_code: string | null; decline_code: string | null; latency_ms: number | null }[];
  funnel_events: { id: string; created_at: string; type: string }[];
  webhook_deliveries: { id: string; created_at: string; event_type: string; status: string; endpoint_url: string }[];
  messages: { id: string; created_at: string; channel: string; purpose: string; status: string }[];
  refunds: { id: string; created_at: string; amount: number; currency: string; status: string }[];
}): Entry[] {
  const entries: Entry[] = [
    ...t.history.map((h) => ({ at: h.created_at, kind: 'history' as const, id: h.id, summary: `${h.from_status ?? '∅'} → ${h.to_status}${h.reason ? ` (${h.reason})` : ''}` })),
    ...t.attempts.map((a) => ({
      at: a.started_at,
      kind: 'attempt' as const,
      id: a.id,
      summary: `${a.operation} ${a.connector}: ${a.status}${a.decline_code ?? a.error_code ? ` ${a.decline_code ?? a.error_code}` : ''}${a.latency_ms === null ? '' : ` in ${a.latency_ms} ms`}`,
    })),
    ...t.funnel_events.map((f) => ({ at: f.created_at, kind: 'funnel' as const, id: f.id, summary: f.type })),
    ...t.webhook_deliveries.map((d) => ({ at: d.created_at, kind: 'webhook' as const, id: d.id, summary: `${d.event_type} → ${d.endpoint_url}: ${d.status}` })),
    ...t.messages.map((m) => ({ at: m.created_at, kind: 'message' as const, id: m.id, summary: `${m.channel} ${m.purpose}: ${m.status}` })),
    ...t.refunds.map((r) => ({ at: r.created_at, kind: 'refund' as const, id: r.id, summary: `refund ${r.amount} ${r.currency}: ${r.status}` })),
  ];
  return entries.sort((a, b) => (a.at === b.at ? a.id.localeCompare(b.id) : a.at < b.at ? -1 : 1));
}

