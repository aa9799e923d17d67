/**
 * Payer feedback: the checkout's rating with the optional NPS answer, and
 * GET /v1/analytics/feedback, checked against counts made directly from the
 * rows, in JSON and in CSV.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, card, startStack, type Stack } from '../support/stack.ts';

const start = Date.UTC(2026, 5, 1, 8);
const clock = new ManualClock(start);
let stack: Stack;
const answers: { rating: number; nps?: number }[] = [
  { rating: 5, nps: 10 },
  { rating: 5, nps: 9 },
  { rating: 4, nps: 8 },
  { rating: 4 },
  { rating: 3, nps: 6 },
  { rating: 2, nps: 0 },
  { rating: 1 },
];
const range = () => `from=${new Date(start).toISOString()}&to=${new Date(clock.nowMs() + 1).toISOString()}`;

async function paidPayment(): Promise<{ id: string; client_secret: string }> {
  clock.advanceMs(60_000);
  const payment = await stack.api('POST', '/v1/payments', { amount: 1_000, currency: 'CNY' });
  const confirmed = await stack.api('POST', `/v1/payments/${payment.body.id}/confirm`, { payment_method: card('4242424242424242') });
  expect(confirmed.body.status).toBe('succeeded');
  return payment.body;
}

beforeAll(async () => {
  stack = await startStack({ clock });
  for (const [index, answer] of answers.entries()) {
    const payment = await paidPayment();
    const asPayer = { key: stack.publishableKey };
    const rated = await stack.api('POST', `/v1/payments/${payment.id}/feedback`, { client_secret: payment.client_secret, rating: answer.rating }, asPayer);
    expect(rated.status, JSON.stringify(rated.body)).toBe(200);
    expect(rated.body.nps_score).toBeNull();
    if (answer.nps === undefined) continue;
    // Half the NPS answers come with the rating, half after it, as the result page sends them.
    const body = index % 2 === 0 ? { rating: answer.rating, nps_score: answer.nps } : { rating: answer.rating, nps_score: answer.nps, comment: 'later' };
    const withNps = await stack.api('POST', `/v1/payments/${payment.id}/feedback`, { client_secret: payment.client_secret, ...body }, asPayer);
    expect(withNps.body).toMatchObject({ rating: answer.rating, nps_score: answer.nps });
  }
}, 60_000);
afterAll(async () => stack?.close());

describe('feedback', () => {
  it('keeps the first rating and the first NPS answer, and shows both to the checkout', async () => {
    const payment = await paidPayment();
    const secret = { client_secret: payment.client_secret };
    const asPayer = { key: stack.publishableKey };
    await stack.api('POST', `/v1/payments/${payment.id}/feedback`, { ...secret, rating: 2, nps_score: 3 }, asPayer);
    const again = await stack.api('POST', `/v1/payments/${payment.id}/feedback`, { ...secret, rating: 5, nps_score: 10 }, asPayer);
    expect(again.body).toMatchObject({ rating: 2, nps_score: 3 });
    const session = await stack.api('GET', `/v1/payments/${payment.id}/checkout?client_secret=${payment.client_secret}`, undefined, asPayer);
    expect(session.body.feedback).toEqual({ rating: 2, comment: null, nps_score: 3 });
    answers.push({ rating: 2, nps: 3 });
  });

  it('refuses an NPS score outside 0–10', async () => {
    const payment = await paidPayment();
    for (const score of [-1, 11, 5.5]) {
      const answer = await stack.api('POST', `/v1/payments/${payment.id}/feedback`, { rating: 4, nps_score: score });
      expect(answer.status, String(score)).toBe(400);
      expect(answer.body.error.param).toBe('nps_score');
    }
  });

  it('summarizes CSAT and NPS exactly as a recount of the rows', async () => {
    const answer = await stack.api('GET', `/v1/analytics/feedback?${range()}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const counts = await sql<{ rating: number; nps_score: number | null }>`
      select f.rating, f.nps_score from payment_feedback f join payments p on p.id = f.payment_id
       where p.merchant_id = ${stack.merchant.merchantId} and p.mode = 'test'
    `.execute(stack.db.db);
    const rows = counts.rows;
    expect(rows).toHaveLength(answers.length);
    const scores = rows.flatMap((row) => (row.nps_score === null ? [] : [row.nps_score]));
    const promoters = scores.filter((score) => score >= 9).length;
    const detractors = scores.filter((score) => score <= 6).length;
    expect(answer.body).toEqual({
      object: 'feedback_summary',
      from: new Date(start).toISOString(),
      to: new Date(clock.nowMs() + 1).toISOString(),
      responses: rows.length,
      average_rating: Math.round((rows.reduce((sum, row) => sum + row.rating, 0) / rows.length) * 100) / 100,
      csat: Math.round((rows.filter((row) => row.rating >= 4).length / rows.length) * 10_000) / 10_000,
      rating_counts: Object.fromEntries([1, 2, 3, 4, 5].map((r) => [String(r), rows.filter((row) => row.rating === r).length])),
      nps_responses: scores.length,
      nps: Math.round(((promoters - detractors) / scores.length) * 100 * 100) / 100,
      promoters,
      passives: scores.length - promoters - detractors,
      detractors,
    });
    // 8 ratings (4 of them 4–5), 6 NPS answers: 2 promoters, 1 passive, 3 detractors.
    expect(answer.body).toMatchObject({ responses: 8, csat: 0.5, nps_responses: 6, promoters: 2, passives: 1, detractors: 3, nps: -16.67 });
  });

  it('answers the same figures as CSV with Accept: text/csv', async () => {
    const json = await stack.api('GET', `/v1/analytics/feedback?${range()}`);
    const csv = await stack.api('GET', `/v1/analytics/feedback?${range()}`, undefined, { headers: { accept: 'text/csv' } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const [head, values] = String(csv.body).trim().split('\r\n').map((line) => line.split(','));
    const row = Object.fromEntries(head!.map((column, index) => [column, values![index]]));
    expect(row).toMatchObject({ object: 'feedback_summary', responses: '8', csat: String(json.body.csat), nps: String(json.body.nps), 'rating_counts.5': '2' });
  });

  it('counts only the range asked and only the merchant asking, and needs a secret key', async () => {
    const later = `from=${new Date(clock.nowMs() + 1).toISOString()}&to=${new Date(clock.nowMs() + 3_600_000).toISOString()}`;
    const empty = await stack.api('GET', `/v1/analytics/feedback?${later}`);
    expect(empty.body).toMatchObject({ responses: 0, average_rating: null, csat: null, nps_responses: 0, nps: null });
    const other = await stack.newMerchant();
    const theirs = await stack.api('GET', `/v1/analytics/feedback?${range()}`, undefined, { key: other.secretKey });
    expect(theirs.body.responses).toBe(0);
    const publishable = await stack.api('GET', `/v1/analytics/feedback?${range()}`, undefined, { key: stack.publishableKey });
    expect(publishable.status).toBe(403);
    const backwards = await stack.api('GET', `/v1/analytics/feedback?from=${new Date(start + 1000).toISOString()}&to=${new Date(start).toISOString()}`);
    expect(backwards.status).toBe(400);
  });
});
