import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

describe('smoke', () => {
  it('creates and confirms a card payment', async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 1234, currency: 'CNY' });
    expect(created.status).toBe(200);
    const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(confirmed.body).toMatchObject({ status: 'succeeded', amount_received: 1234 });
  });
});
