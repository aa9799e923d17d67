/**
 * The merchant's FAQ in three languages: CRUD with the secret key, the
 * payer's search from the order page (by its link's token), and the counting
 * of what payers search for (top queries, queries nothing answered) in
 * GET /v1/analytics/support.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderPageToken } from '../../src/domain/secrets.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let key: string;
let otherKey: string;
let order: { id: string; token: string };

beforeAll(async () => {
  stack = await startStack();
  key = (await stack.newMerchant({ name: 'FAQ Shop' })).secretKey;
  otherKey = (await stack.newMerchant({ name: 'Other' })).secretKey;
  const created = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY' }, { key });
  await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key });
  order = { id: created.body.id, token: orderPageToken(created.body.id, stack.context.keys.orderPage) };
});
afterAll(async () => {
  await stack?.close();
});

const search = (locale: string, q?: string) =>
  stack.api('GET', `/v1/orders/${order.id}/faq?token=${order.token}&locale=${locale}${q === undefined ? '' : `&q=${encodeURIComponent(q)}`}`, undefined, { key: null });

describe('FAQ', () => {
  it('creates, changes, lists and deletes entries, per merchant', async () => {
    const created = await stack.api('POST', '/v1/faq', { locale: 'en', question: 'How do I get a refund?', answer: 'Ask on your order page.' }, { key });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body).toMatchObject({ object: 'faq_entry', locale: 'en', position: 0 });
    await stack.api('POST', '/v1/faq', { locale: 'en', question: 'When will my order ship?', answer: 'Within 48 hours.', position: 1 }, { key });
    await stack.api('POST', '/v1/faq', { locale: 'zh-CN', question: '如何申请退款？', answer: '在订单页面提交申请。' }, { key });
    await stack.api('POST', '/v1/faq', { locale: 'zh-TW', question: '如何申請退款？', answer: '在訂單頁面提交申請。' }, { key });
    const temporary = await stack.api('POST', '/v1/faq', { locale: 'en', question: 'Temporary', answer: 'Gone soon.' }, { key });

    const changed = await stack.api('POST', `/v1/faq/${created.body.id}`, { answer: 'Ask on your order page; refunds take 3 to 5 days.' }, { key });
    expect(changed.body).toMatchObject({ question: 'How do I get a refund?', answer: 'Ask on your order page; refunds take 3 to 5 days.' });
    expect((await stack.api('DELETE', `/v1/faq/${temporary.body.id}`, undefined, { key })).body).toMatchObject({ deleted: true });
    expect((await stack.api('GET', `/v1/faq/${temporary.body.id}`, undefined, { key })).status).toBe(404);

    const english = await stack.api('GET', '/v1/faq?locale=en', undefined, { key });
    expect(english.body.data.map((e: { question: string }) => e.question)).toEqual(['How do I get a refund?', 'When will my order ship?']);
    expect((await stack.api('GET', '/v1/faq', undefined, { key })).body.data).toHaveLength(4);
    // Another merchant neither sees nor changes them.
    expect((await stack.api('GET', '/v1/faq', undefined, { key: otherKey })).body.data).toHaveLength(0);
    expect((await stack.api('POST', `/v1/faq/${created.body.id}`, { answer: 'hijacked' }, { key: otherKey })).status).toBe(404);
    // An unknown language is refused.
    expect((await stack.api('POST', '/v1/faq', { locale: 'fr', question: 'q', answer: 'a' }, { key })).status).toBe(400);
  });

  it('lets the payer browse and search the FAQ in their language from the order page', async () => {
    const all = await search('en');
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(all.body.query).toBeNull();
    expect(all.body.data).toHaveLength(2);

    const refund = await search('en', 'Refund');
    expect(refund.body.query).toBe('refund');
    expect(refund.body.data.map((e: { question: string }) => e.question)).toEqual(['How do I get a refund?']);
    expect((await search('zh-CN', '退款')).body.data.map((e: { question: string }) => e.question)).toEqual(['如何申请退款？']);
    expect((await search('zh-TW', '退款')).body.data.map((e: { question: string }) => e.question)).toEqual(['如何申請退款？']);
    // A wrong token answers like a missing order.
    expect((await stack.api('GET', `/v1/orders/${order.id}/faq?token=${'y'.repeat(32)}&locale=en&q=refund`, undefined, { key: null })).status).toBe(404);
  });

  it('counts what payers search for: top queries and the queries nothing answered', async () => {
    await search('en', 'refund');
    await search('en', '  REFUND ');
    await search('en', 'warranty');
    await search('en', 'Warranty');
    await search('en', 'gift wrap');
    const figures = await stack.api('GET', `/v1/analytics/support?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`, undefined, { key });
    expect(figures.status, JSON.stringify(figures.body)).toBe(200);
    // Earlier test: refund (en), 退款 (zh-CN), 退款 (zh-TW); this one: refund ×2, warranty ×2, gift wrap. Browsing without a query is not a search.
    expect(figures.body.faq).toEqual({
      searches: 8,
      searches_unanswered: 3,
      top_queries: [
        { query: 'refund', count: 3 },
        { query: 'warranty', count: 2 },
        { query: '退款', count: 2 },
        { query: 'gift wrap', count: 1 },
      ],
      unanswered_queries: [
        { query: 'warranty', count: 2 },
        { query: 'gift wrap', count: 1 },
      ],
    });
    // Another merchant's analytics count none of them.
    expect((await stack.api('GET', `/v1/analytics/support?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`, undefined, { key: otherKey })).body.faq.searches).toBe(0);
  });
});

describe("payers' searches past their retention", () => {
  it('are deleted by the daily purge, oldest first in bounded batches; newer ones and other merchants\' recent ones stay', async () => {
    const { purgeOldFaqSearches } = await import('../../src/flows/support/faq.ts');
    const { limits } = await import('../../src/domain/limits.ts');
    const { sql } = await import('kysely');
    const day = 24 * 60 * 60 * 1000;
    const nowMs = stack.context.clock.nowMs();
    const at = (daysAgo: number) => new Date(nowMs - daysAgo * day);
    const insert = (daysAgo: number, query: string) =>
      sql`insert into faq_searches (merchant_id, mode, locale, query, results, created_at)
          values ('mch_retention_test', 'test', 'en', ${query}, 0, ${at(daysAgo)})`.execute(stack.db.db);
    await insert(limits.faqSearchRetentionDays + 30, 'my email is someone@example.com');
    await insert(limits.faqSearchRetentionDays + 1, 'old question');
    await insert(limits.faqSearchRetentionDays - 1, 'recent question');
    await insert(1, 'yesterday');
    const left = async () =>
      (await sql<{ query: string }>`select query from faq_searches where merchant_id = 'mch_retention_test' order by id`.execute(stack.db.db)).rows.map((row) => row.query);
    expect(await purgeOldFaqSearches(stack.context)).toBeGreaterThanOrEqual(2);
    expect(await left()).toEqual(['recent question', 'yesterday']);
    // Again: nothing more goes.
    expect(await purgeOldFaqSearches(stack.context)).toBe(0);
    expect(await left()).toEqual(['recent question', 'yesterday']);
  });
});
