/**
 * The merchant's blocklist, and marking a payment fraudulent: the mark counts
 * in the fraud rate and labels the payment for the model, and adds what the
 * merchant chooses of the payment's card, email, phone, device, address and
 * customer to the blocklist (the values its risk decision recorded).
 */
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { addressKey, normalizeEmail, normalizePhone, type PayerAddress } from '../../domain/risk/payer-keys.ts';
import type { BlocklistKind, FraudSource } from '../../store/schema.ts';
import { addBlocklistEntries, addBlocklistEntry, deleteBlocklistEntry, findBlocklistEntry, listBlocklistEntries, markFraudulent, type BlocklistEntryRow, type NewBlocklistEntry } from '../../store/risk-blocklist.ts';
import { latestRiskDecision } from '../../store/risk-decisions.ts';
import { findCustomer } from '../../store/customers.ts';
import type { PaymentRecord } from '../../store/payments.ts';
import type { Scope } from '../../store/scope.ts';
import { now, type FlowContext } from '../context.ts';
import { getPayment } from '../payments/create-payment.ts';

export const blocklistKinds = ['card_fingerprint', 'email', 'phone', 'address', 'customer', 'device'] as const satisfies readonly BlocklistKind[];

export function presentBlocklistEntry(entry: BlocklistEntryRow) {
  return {
    id: entry.id,
    object: 'blocklist_entry' as const,
    livemode: entry.mode === 'live',
    kind: entry.kind,
    value: entry.value,
    reason: entry.reason,
    source_payment: entry.source_payment_id,
    created_at: entry.created_at.toISOString(),
  };
}

export interface BlocklistInput {
  kind: BlocklistKind;
  /** An email, a phone number, a card fingerprint, a customer or device id; for `address`, use `address`. */
  value?: string;
  address?: PayerAddress;
  reason?: string;
}

/** The stored form of a value: lower-cased email, phone digits, an address's keyed hash. */
function storedValue(context: FlowContext, input: BlocklistInput): string | null {
  if (input.kind === 'address') return addressKey(input.address, context.keys.cardFingerprint) ?? (input.value?.trim() || null);
  if (input.kind === 'email') return normalizeEmail(input.value);
  if (input.kind === 'phone') return normalizePhone(input.value);
  return input.value?.trim() || null;
}

export async function addToBlocklist(context: FlowContext, scope: Scope, input: BlocklistInput) {
  const value = storedValue(context, input);
  if (!value) throw new PaymentError('parameter_missing', { param: input.kind === 'address' ? 'address.line1' : 'value' });
  const entry = await addBlocklistEntry(context.db, scope, { id: context.ids.newId('blk'), kind: input.kind, value, reason: input.reason ?? null, source_payment_id: null }, now(context));
  return presentBlocklistEntry(entry);
}

export async function getBlocklistEntry(context: FlowContext, scope: Scope, id: string) {
  const entry = await findBlocklistEntry(context.db, scope, id);
  if (!entry) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'blocklist entry', id } });
  return presentBlocklistEntry(entry);
}

export async function listBlocklist(context: FlowContext, scope: Scope, filter: { kind?: BlocklistKind; startingAfter?: string; limit?: number }) {
  const page = await listBlocklistEntries(context.db, scope, { ...filter, limit: filter.limit ?? limits.pageSizeDefault });
  return { object: 'list' as const, data: page.data.map(presentBlocklistEntry), has_more: page.hasMore };
}

export async function removeFromBlocklist(context: FlowContext, scope: Scope, id: string) {
  const entry = await deleteBlocklistEntry(context.db, scope, id);
  if (!entry) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'blocklist entry', id } });
  return { id: entry.id, object: 'blocklist_entry' as const, deleted: true as const };
}

export type FraudBlockChoice = 'card' | 'email' | 'phone' | 'device' | 'address' | 'customer';

export async function markPaymentFraudulent(
  context: FlowContext,
  scope: Scope,
  paymentId: string,
  input: { block?: FraudBlockChoice[]; note?: string; source?: FraudSource },
) {
  const payment = await getPayment(context, scope, paymentId);
  const at = now(context);
  const entries = await fraudBlockEntries(context, scope, payment, input.block ?? ['card', 'email', 'device'], 'fraudulent payment');
  // The mark first: it is what the fraud rate and the model count, and adding it again changes nothing.
  const mark = await markFraudulent(context.db, scope, { paymentId, source: input.source ?? 'merchant', note: input.note ?? null }, at);
  const blocked = await addBlocklistEntries(context.db, scope, entries, at);
  return {
    object: 'fraud_mark' as const,
    payment: paymentId,
    source: mark.source,
    note: mark.note,
    created_at: mark.created_at.toISOString(),
    blocklisted: blocked.map(presentBlocklistEntry),
  };
}

/**
 * The blocklist entries a fraud mark adds for the chosen parts of a payment:
 * the values its risk decision recorded, else the payment's card and customer.
 * One code for a merchant's mark and a provider's.
 */
export async function fraudBlockEntries(
  context: FlowContext,
  scope: Scope,
  payment: PaymentRecord,
  chosen: readonly FraudBlockChoice[],
  reason: string,
): Promise<NewBlocklistEntry[]> {
  if (chosen.length === 0) return [];
  const decision = await latestRiskDecision(context.db, { merchantId: payment.merchant_id, id: payment.id });
  const customer = payment.customer_id ? await findCustomer(context.db, scope, payment.customer_id) : undefined;
  const storedCard = (payment.payment_method as { card?: { fingerprint?: string } } | null)?.card?.fingerprint ?? null;
  const values: Record<FraudBlockChoice, [BlocklistKind, string | null]> = {
    card: ['card_fingerprint', decision?.card_fingerprint ?? storedCard],
    email: ['email', decision?.email ?? normalizeEmail(customer?.email)],
    phone: ['phone', decision?.phone ?? normalizePhone(customer?.phone)],
    device: ['device', decision?.device_id ?? null],
    address: ['address', decision?.address_key ?? null],
    customer: ['customer', payment.customer_id],
  };
  const entries: NewBlocklistEntry[] = [];
  for (const choice of new Set(chosen)) {
    const [kind, value] = values[choice];
    if (value) entries.push({ id: context.ids.newId('blk'), kind, value, reason, source_payment_id: payment.id });
  }
  return entries;
}
