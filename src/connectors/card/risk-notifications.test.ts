import { describe, expect, it } from 'vitest';
import { signRiskNotification, signatureHeader, verifyRiskNotification } from './risk-notifications.ts';

const account = { credentials: { api_key: 'sk_sim_card_test' } };
const nowMs = 1_800_000_000_000;
const event = {
  id: 'evt_1',
  object: 'event',
  type: 'dispute.created',
  created: nowMs / 1000,
  data: { authorization: 'auth_1', dispute: 'dp_1', amount: 3000, currency: 'CNY', reason: 'fraudulent' },
};

function request(body: string, signature: string, atMs = nowMs) {
  return { headers: { [signatureHeader]: signature }, rawBody: Buffer.from(body), nowMs: atMs };
}

describe("the acquirer's risk notifications", () => {
  it('verifies a notification signed with the account key over the raw bytes', () => {
    const body = JSON.stringify(event);
    const verdict = verifyRiskNotification(account, request(body, signRiskNotification('sk_sim_card_test', event.created, body)));
    expect(verdict).toMatchObject({ kind: 'verified', notification: { id: 'evt_1', type: 'dispute.created', data: { amount: 3000, dispute: 'dp_1' } } });
  });

  it('prefers a webhook_secret credential over the api key', () => {
    const body = JSON.stringify(event);
    const signed = signRiskNotification('whsec', event.created, body);
    expect(verifyRiskNotification({ credentials: { api_key: 'sk', webhook_secret: 'whsec' } }, request(body, signed)).kind).toBe('verified');
    expect(verifyRiskNotification(account, request(body, signed)).kind).toBe('rejected');
  });

  it('refuses a changed body, another key, an old signature and a body that is not a risk notification', () => {
    const body = JSON.stringify(event);
    const signature = signRiskNotification('sk_sim_card_test', event.created, body);
    expect(verifyRiskNotification(account, request(body.replace('3000', '30000'), signature))).toEqual({ kind: 'rejected', reason: 'signature mismatch' });
    expect(verifyRiskNotification(account, request(body, signRiskNotification('other', event.created, body))).kind).toBe('rejected');
    expect(verifyRiskNotification(account, request(body, signature, nowMs + 301_000))).toEqual({ kind: 'rejected', reason: 'signature timestamp outside tolerance' });
    expect(verifyRiskNotification(account, request(body, 'v1=abc'))).toEqual({ kind: 'rejected', reason: 'signature header unreadable' });
    const odd = JSON.stringify({ ...event, data: { ...event.data, amount: -5 } });
    expect(verifyRiskNotification(account, request(odd, signRiskNotification('sk_sim_card_test', event.created, odd)))).toEqual({ kind: 'rejected', reason: 'body is not a risk notification' });
  });
});
