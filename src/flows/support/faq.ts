/**
 * A merchant's FAQ in English, simplified and traditional Chinese, and the
 * payer's search over it before asking for help. Every search is counted
 * (normalized query, how many entries answered) for the support analytics.
 */
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import type { Locale } from '../../domain/locale.ts';
import { normalizeQuery, rankFaqEntries } from '../../domain/support/faq-search.ts';
import type { PaymentRecord, Scope } from '../../store/payments.ts';
import type { FaqEntryRow } from '../../store/schema.ts';
import { countFaqEntries, deleteFaqEntry, deleteFaqSearchesBefore, findFaqEntry, insertFaqEntry, listFaqEntries, lockFaqLocale, recordFaqSearch, updateFaqEntry } from '../../store/support/faq.ts';
import { now, type FlowContext } from '../context.ts';

export function presentFaqEntry(entry: FaqEntryRow) {
  return {
    id: entry.id,
    object: 'faq_entry' as const,
    locale: entry.locale as Locale,
    question: entry.question,
    answer: entry.answer,
    position: entry.position,
    created_at: entry.created_at.toISOString(),
    updated_at: entry.updated_at.toISOString(),
  };
}

function missing(id: string): PaymentError {
  return new PaymentError('resource_missing', { param: 'id', details: { resource: 'faq_entry', id } });
}

export async function createFaqEntry(context: FlowContext, scope: Scope, input: { locale: Locale; question: string; answer: string; position?: number }) {
  const at = now(context);
  const entry = await context.db.transaction().execute(async (trx) => {
    await lockFaqLocale(trx, scope, input.locale);
    if ((await countFaqEntries(trx, scope, input.locale)) >= limits.faqEntriesPerLocaleMax) {
      throw new PaymentError('parameter_invalid', { param: 'locale', details: { reason: `at most ${limits.faqEntriesPerLocaleMax} FAQ entries per language` } });
    }
    return insertFaqEntry(trx, {
      id: context.ids.newId('faq'),
      merchant_id: scope.merchantId,
      mode: scope.mode,
      locale: input.locale,
      question: input.question,
      answer: input.answer,
      position: input.position ?? 0,
      created_at: at,
      updated_at: at,
    });
  });
  return presentFaqEntry(entry);
}

export async function changeFaqEntry(context: FlowContext, scope: Scope, id: string, input: { question?: string; answer?: string; position?: number }) {
  const entry = await updateFaqEntry(context.db, scope, id, { ...input, updated_at: now(context) });
  if (!entry) throw missing(id);
  return presentFaqEntry(entry);
}

export async function removeFaqEntry(context: FlowContext, scope: Scope, id: string) {
  const entry = await deleteFaqEntry(context.db, scope, id);
  if (!entry) throw missing(id);
  return { id: entry.id, object: 'faq_entry' as const, deleted: true as const };
}

export async function getFaqEntry(context: FlowContext, scope: Scope, id: string) {
  const entry = await findFaqEntry(context.db, scope, id);
  if (!entry) throw missing(id);
  return presentFaqEntry(entry);
}

export async function listFaq(context: FlowContext, scope: Scope, locale: Locale | undefined) {
  const entries = await listFaqEntries(context.db, scope, locale, limits.faqEntriesPerLocaleMax * 3);
  return { object: 'list' as const, data: entries.map(presentFaqEntry), has_more: false };
}

/**
 * The payer's search on the merchant's FAQ in their language; without a
 * query, the whole FAQ in the merchant's order (not counted as a search).
 */
export async function searchFaqForPayment(context: FlowContext, payment: PaymentRecord, input: { locale: Locale; query?: string }) {
  const scope = { merchantId: payment.merchant_id, mode: payment.mode };
  const entries = await listFaqEntries(context.db, scope, input.locale, limits.faqEntriesPerLocaleMax);
  const query = input.query === undefined ? '' : normalizeQuery(input.query);
  if (query.length === 0) {
    return { object: 'list' as const, query: null, data: entries.map(presentFaqEntry), has_more: false };
  }
  const found = rankFaqEntries(query, entries);
  await recordFaqSearch(context.db, { merchantId: payment.merchant_id, mode: payment.mode, locale: input.locale, query, results: found.length, at: now(context) });
  return { object: 'list' as const, query, data: found.map(presentFaqEntry), has_more: false };
}

/** Batches one purge deletes at most before it yields to the next run: a day's run is bounded whatever piled up. */
const purgeBatchesPerRunMax = 100;

/**
 * The worker's daily purge: payers' searches older than the retention
 * (`limits.faqSearchRetentionDays`) are deleted, batch by batch. Safe to run
 * twice or on two workers at once: a row deleted is simply not found again.
 */
export async function purgeOldFaqSearches(context: FlowContext): Promise<number> {
  const before = new Date(context.clock.nowMs() - limits.faqSearchRetentionDays * 24 * 60 * 60 * 1000);
  let purged = 0;
  for (let batch = 0; batch < purgeBatchesPerRunMax; batch += 1) {
    const deleted = await deleteFaqSearchesBefore(context.db, before, limits.faqSearchPurgeBatchSize);
    purged += deleted;
    if (deleted < limits.faqSearchPurgeBatchSize) break;
  }
  return purged;
}
