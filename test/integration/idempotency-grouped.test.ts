/**
 * Keys that complete at the same time share one statement (group commit in
 * store/idempotency.ts): each key still keeps its own request's answer, and
 * the answer leaves only once its key is complete.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type ApiResponse, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

function create(amount: number, key: string): Promise<ApiResponse> {
  return stack.api('POST', '/v1/payments', { amount, currency: 'CNY', metadata: { amount: String(amount) } }, { headers: { 'idempotency-key': key } });
}

describe('keys completed together', () => {
  it('keeps each key with its own answer when many complete at once, and every key is complete when its answer arrives', async () => {
    const run = randomUUID();
    const requests = Array.from({ length: 30 }, (_, index) => ({ amount: 1_000 + index, key: `grouped-${run}-${index}` }));
    const first = await Promise.all(requests.map((request) => create(request.amount, request.key)));
    const stored = await stack.db.db
      .selectFrom('idempotency_keys')
      .select(['key', 'status', 'response_status', 'response_body'])
      .where('key', 'in', requests.map((request) => request.key))
      .execute();
    expect(stored).toHaveLength(requests.length);
    for (const [index, request] of requests.entries()) {
      const answer = first[index]!;
      expect(answer.status).toBe(200);
      expect(answer.body.amount).toBe(request.amount);
      const row = stored.find((candidate) => candidate.key === request.key)!;
      expect(row).toMatchObject({ status: 'complete', response_status: 200 });
      expect(JSON.parse(row.response_body!)).toEqual(answer.body);
    }
    const replays = await Promise.all(requests.map((request) => create(request.amount, request.key)));
    for (const [index, replay] of replays.entries()) {
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(first[index]!.body);
    }
  });
});
