import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature, webhookSignature } from './webhook-signature.ts';

const body = '{"id":"evt_1","type":"payment.succeeded"}';
const secret = 'whsec_test';

describe('webhook signatures', () => {
  it('signs as the API documents: HMAC-SHA256 over "<t>.<body>", hex', () => {
    const expected = createHmac('sha256', secret).update(`1795000000.${body}`).digest('hex');
    expect(webhookSignature(body, secret, 1795000000)).toBe(`t=1795000000,v1=${expected}`);
  });

  it('verifies its own signature within the tolerance, and not outside it', () => {
    const header = webhookSignature(body, secret, 1795000000);
    expect(verifyWebhookSignature(body, header, secret, 300, 1795000100)).toBe(true);
    expect(verifyWebhookSignature(Buffer.from(body), header, secret, 300, 1795000100)).toBe(true);
    expect(verifyWebhookSignature(body, header, secret, 300, 1795000301)).toBe(false);
    expect(verifyWebhookSignature(body, header, secret, 0, 1895000000)).toBe(true);
  });

  it('refuses another body, another secret, a malformed or missing header', () => {
    const header = webhookSignature(body, secret, 1795000000);
    const now = 1795000000;
    expect(verifyWebhookSignature(`${body} `, header, secret, 300, now)).toBe(false);
    expect(verifyWebhookSignature(body, header, 'whsec_other', 300, now)).toBe(false);
    expect(verifyWebhookSignature(body, header.replace('t=1795000000', 't=1795000001'), secret, 300, now)).toBe(false);
    for (const broken of [undefined, null, '', 'v1=abc', 't=1795000000', ['x'], 't=x,v1=y']) {
      expect(verifyWebhookSignature(body, broken as string, secret, 300, now)).toBe(false);
    }
  });

  it('accepts any of several v1 signatures, as during a secret rotation', () => {
    const fresh = webhookSignature(body, secret, 1795000000);
    const old = webhookSignature(body, 'whsec_old', 1795000000).split(',')[1];
    expect(verifyWebhookSignature(body, `${fresh.split(',')[0]},${old},${fresh.split(',')[1]}`, secret, 300, 1795000000)).toBe(true);
  });
});
