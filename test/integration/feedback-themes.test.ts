/**
 * Feedback themes end to end: comments written with ratings and with
 * cancellations are queued by the statements that write them, analyzed by
 * the worker's flow once each (again after a crash, twice at once, or
 * queued again), and GET /v1/analytics/feedback_themes is recounted from the
 * rows, with example comments masked.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeComment } from '../../src/domain/insight/comments/analyze-comment.ts';
import { analyzeQueuedComments } from '../../src/flows/insight/analyze-comments.ts';
import { takeQueuedComments } from '../../src/store/comment-analyses.ts';
import { ManualClock, card, startStack, type Stack } from '../support/stack.ts';

const start = Date.UTC(2026, 6, 1, 8);
const clock = new ManualClock(start);
let stack: Stack;

const ratings: { rating: number; comment: string | null }[] = [
  { rating: 5, comment: 'Fast and easy, thanks!' },
  { rating: 1, comment: 'Took forever and then an error, call me at +86 138 0013 8000' },
  { rating: 2, comment: '付款太慢了，等了很久' },
  { rating: 4, comment: '價格有點貴，但是很方便' },
  { rating: 3, comment: 'Paid for my order.' },
  { rating: 5, comment: null },
  { rating: 4, comment: '   ' },
];
const cancellations: { reason: string; comment: string }[] = [
  { reason: 'too_complicated', comment: 'Way too complicated, I could not find the pay button. Write to wang.fang@example.com' },
  { reason: 'too_complicated', comment: '步骤太多了，看不懂' },
  { reason: 'price_changed', comment: 'The fee is too expensive.' },
  { reason: 'other', comment: 'Is this a scam? Felt unsafe.' },
];
const withText = ratings.filter((r) => r.comment?.trim()).length + cancellations.length;

async function analysesOfMerchant() {
  const rows = await sql<{ source: string; source_id: string; sentiment: string; sentiment_score: string; topics: string[]; payment_method_type: string | null; cancellation_reason: string | null; commented_at: Date }>`
    select source, source_id, sentiment, sentiment_score::text, topics, payment_method_type, cancellation_reason, commented_at
      from comment_analyses where merchant_id = ${stack.merchant.merchantId} and mode = 'test'
  `.execute(stack.db.db);
  return rows.rows;
}

async function queuedOfMerchant(): Promise<number> {
  const rows = await sql<{ n: number }>`
    select count(*)::int as n from comment_analysis_queue q
     where exists (select 1 from payments p where p.id = q.source_id and p.merchant_id = ${stack.merchant.merchantId})
  `.execute(stack.db.db);
  return rows.rows[0]?.n ?? 0;
}

beforeAll(async () => {
  stack = await startStack({ clock });
  for (const rating of ratings) {
    clock.advanceMs(60 * 60 * 1000);
    const payment = await stack.api('POST', '/v1/payments', { amount: 1_000, currency: 'CNY' });
    const confirmed = await stack.api('POST', `/v1/payments/${payment.body.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(confirmed.body.status).toBe('succeeded');
    const body = { client_secret: payment.body.client_secret, rating: rating.rating, ...(rating.comment === null ? {} : { comment: rating.comment }) };
    const rated = await stack.api('POST', `/v1/payments/${payment.body.id}/feedback`, body, { key: stack.publishableKey });
    expect(rated.status, JSON.stringify(rated.body)).toBe(200);
  }
  clock.advanceMs(2 * 24 * 60 * 60 * 1000);
  for (const cancellation of cancellations) {
    clock.advanceMs(60 * 60 * 1000);
    const payment = await stack.api('POST', '/v1/payments', { amount: 2_000, currency: 'CNY' });
    const canceled = await stack.api('POST', `/v1/payments/${payment.body.id}/cancel`, { cancellation_reason: cancellation.reason, comment: cancellation.comment });
    expect(canceled.body.status, JSON.stringify(canceled.body)).toBe('canceled');
  }
}, 60_000);
afterAll(async () => stack?.close());

const range = () => `from=${new Date(start).toISOString()}&to=${new Date(clock.nowMs() + 1).toISOString()}`;

describe('comment analysis by the worker', () => {
  it('queues every non-empty comment in the statement that writes it, and nothing else', async () => {
    expect(await queuedOfMerchant()).toBe(withText);
    expect(await analysesOfMerchant()).toHaveLength(0);
  });

  it('leaves a batch queued when its transaction dies before the commit', async () => {
    await expect(
      stack.db.db.transaction().execute(async (tx) => {
        const taken = await takeQueuedComments(tx, 10_000);
        expect(taken.length).toBeGreaterThanOrEqual(withText);
        throw new Error('the worker died here');
      }),
    ).rejects.toThrow('the worker died here');
    expect(await queuedOfMerchant()).toBe(withText);
    expect(await analysesOfMerchant()).toHaveLength(0);
  });

  it('analyzes each comment once even with two workers at once, and empties the queue', async () => {
    await Promise.all([analyzeQueuedComments(stack.context), analyzeQueuedComments(stack.context)]);
    const rows = await analysesOfMerchant();
    expect(rows).toHaveLength(withText);
    expect(new Set(rows.map((r) => `${r.source}:${r.source_id}`)).size).toBe(withText);
    expect(await queuedOfMerchant()).toBe(0);
    expect(rows.filter((r) => r.source === 'cancellation').map((r) => r.cancellation_reason).sort()).toEqual(cancellations.map((c) => c.reason).sort());
    expect(rows.filter((r) => r.source === 'rating').every((r) => r.payment_method_type === 'card')).toBe(true);
  });

  it('does not count a comment twice when it is queued and analyzed again', async () => {
    const before = await stack.api('GET', `/v1/analytics/feedback_themes?${range()}`);
    await sql`
      insert into comment_analysis_queue (source, source_id)
      select source, source_id from comment_analyses where merchant_id = ${stack.merchant.merchantId}
      on conflict do nothing
    `.execute(stack.db.db);
    expect(await queuedOfMerchant()).toBe(withText);
    await analyzeQueuedComments(stack.context);
    expect(await analysesOfMerchant()).toHaveLength(withText);
    const after = await stack.api('GET', `/v1/analytics/feedback_themes?${range()}`);
    expect(after.body).toEqual(before.body);
  });
});

describe('GET /v1/analytics/feedback_themes', () => {
  it('counts sentiment and topics exactly as a recount of the rows, overall, per day, per channel and per reason', async () => {
    const response = await stack.api('GET', `/v1/analytics/feedback_themes?${range()}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const body = response.body;
    const rows = await analysesOfMerchant();
    const recount = (subset: typeof rows) => {
      const scores = subset.map((r) => Math.round(Number(r.sentiment_score) * 10_000));
      const sum = scores.reduce((a, b) => a + b, 0);
      return {
        comments: subset.length,
        negative: subset.filter((r) => r.sentiment === 'negative').length,
        neutral: subset.filter((r) => r.sentiment === 'neutral').length,
        positive: subset.filter((r) => r.sentiment === 'positive').length,
        average_score: subset.length === 0 ? null : Math.sign(sum) * Math.round(Math.abs(sum) / subset.length) / 10_000,
      };
    };
    expect(body.totals).toMatchObject(recount(rows));
    expect(body.totals.comments).toBe(withText);
    for (const topic of body.topics) expect(topic, topic.topic).toMatchObject(recount(rows.filter((r) => r.topics.includes(topic.topic))));
    const days = [...new Set(rows.map((r) => r.commented_at.toISOString().slice(0, 10)))].sort();
    expect(body.timeseries.map((p: { period_start: string }) => p.period_start)).toEqual(days);
    for (const period of body.timeseries) expect(period).toMatchObject(recount(rows.filter((r) => r.commented_at.toISOString().startsWith(period.period_start))));
    expect(body.by_channel.map((c: { payment_method_type: string }) => c.payment_method_type)).toEqual(['card', 'unknown']);
    for (const channel of body.by_channel) {
      expect(channel).toMatchObject(recount(rows.filter((r) => (r.payment_method_type ?? 'unknown') === channel.payment_method_type)));
    }
    expect(body.by_cancellation_reason.map((c: { cancellation_reason: string }) => c.cancellation_reason)).toEqual(['other', 'price_changed', 'too_complicated']);
    for (const reason of body.by_cancellation_reason) {
      const subset = rows.filter((r) => r.cancellation_reason === reason.cancellation_reason);
      expect(reason).toMatchObject(recount(subset));
      for (const [topic, count] of Object.entries(reason.topics)) expect(count).toBe(subset.filter((r) => r.topics.includes(topic)).length);
    }
  });

  it('stores what the analyzer says of each comment, in every language', async () => {
    const rows = await analysesOfMerchant();
    const texts = [...ratings.flatMap((r) => (r.comment?.trim() ? [r.comment] : [])), ...cancellations.map((c) => c.comment)];
    const stored = rows.map((r) => `${r.sentiment} ${Number(r.sentiment_score)} ${[...r.topics].sort().join(',')}`).sort();
    const expected = texts.map((text) => analyzeComment(text)).map((a) => `${a.sentiment} ${a.score} ${[...a.topics].sort().join(',')}`).sort();
    expect(stored).toEqual(expected);
    const body = (await stack.api('GET', `/v1/analytics/feedback_themes?${range()}`)).body;
    expect(body.totals.topics.slow).toBeGreaterThanOrEqual(2);
    expect(body.totals.topics.confusing).toBeGreaterThanOrEqual(2);
    expect(body.totals.topics.trust).toBeGreaterThanOrEqual(1);
  });

  it('shows the latest example comments of a topic with emails and phone numbers masked', async () => {
    const body = (await stack.api('GET', `/v1/analytics/feedback_themes?${range()}`)).body;
    const texts = body.topics.flatMap((t: { examples: { text: string }[] }) => t.examples.map((e) => e.text)).join('\n');
    expect(texts).not.toContain('wang.fang@example.com');
    expect(texts).not.toContain('138 0013 8000');
    expect(texts).toContain('w***@example.com');
    expect(texts).toContain('***8000');
    const confusing = body.topics.find((t: { topic: string }) => t.topic === 'confusing');
    expect(confusing.examples.length).toBeLessThanOrEqual(3);
    const times = confusing.examples.map((e: { created_at: string }) => e.created_at);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('filters by source, answers CSV per period, and refuses a reversed range', async () => {
    const only = (await stack.api('GET', `/v1/analytics/feedback_themes?${range()}&source=cancellation`)).body;
    expect(only.totals.comments).toBe(cancellations.length);
    expect(only.source).toBe('cancellation');
    const csv = await stack.api('GET', `/v1/analytics/feedback_themes?${range()}&interval=month`, undefined, { headers: { accept: 'text/csv' } });
    expect(csv.status).toBe(200);
    const lines = String(csv.body).trimEnd().split('\r\n');
    expect(lines[0]).toBe('period_start,comments,negative,neutral,positive,average_score,topics.slow,topics.declined,topics.confusing,topics.price,topics.trust,topics.bug,topics.payment_method,topics.refund');
    expect(lines[1]).toMatch(new RegExp(`^2026-07-01,${withText},`));
    const reversed = await stack.api('GET', `/v1/analytics/feedback_themes?from=${new Date(clock.nowMs()).toISOString()}&to=${new Date(start).toISOString()}`);
    expect(reversed.status).toBe(400);
  });

  it("does not show another merchant's comments", async () => {
    const other = await stack.newMerchant();
    const body = (await stack.api('GET', `/v1/analytics/feedback_themes?${range()}`, undefined, { key: other.secretKey })).body;
    expect(body.totals.comments).toBe(0);
    expect(body.topics.every((t: { examples: unknown[] }) => t.examples.length === 0)).toBe(true);
  });
});
