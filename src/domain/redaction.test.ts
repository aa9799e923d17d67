import { describe, expect, it } from 'vitest';
import { redactCredentials, redactFreeText, redactUrl } from './redaction.ts';

describe('redactUrl', () => {
  it('keeps the path and the names of query parameters, never their values', () => {
    expect(redactUrl('/v1/payments/pay_1?client_secret=pay_1_secret_abc&limit=10')).toBe('/v1/payments/pay_1?client_secret=[redacted]&limit=[redacted]');
    expect(redactUrl('/orders/pay_1?token=Zm9vYmFy')).toBe('/orders/pay_1?token=[redacted]');
    expect(redactUrl('/v1/payments')).toBe('/v1/payments');
  });

  it('drops a user and password and the fragment of an absolute URL', () => {
    expect(redactUrl('https://hook:s3cret@example.com/in?key=abc#frag')).toBe('https://[redacted]@example.com/in?key=[redacted]');
  });

  it('redacts an empty value and a value with encoded characters alike', () => {
    expect(redactUrl('/x?a=&b=%2Fsk_live_abc%3D')).toBe('/x?a=[redacted]&b=[redacted]');
  });
});

describe('redactFreeText', () => {
  it('removes API keys, bearer tokens and card numbers from an error message', () => {
    const text = 'failed for Bearer sk_live_AbCdEfGhIjKlMnOpQrStUvWxYz012345 with card 4242 4242 4242 4242 and pk_test_abcdefgh';
    const redacted = redactFreeText(text);
    expect(redacted).not.toContain('AbCdEf');
    expect(redacted).not.toContain('4242 4242');
    expect(redacted).not.toContain('abcdefgh');
    expect(redacted).toContain('pk_test_[redacted]');
  });

  it('leaves short numbers, ids and times alone', () => {
    const text = 'payment pay_01kjsexjt0ej9gt0 failed after 1234 ms at 2026-12-06T13:00:00.000Z, attempt 3';
    expect(redactFreeText(text)).toBe(text);
  });
});

describe('redactCredentials', () => {
  it('keeps a JSON log line valid and its timestamp whole', () => {
    const line = '{"time":1796562891859,"req":{"url":"/v1/orders/pay_1?token=abc"},"msg":"incoming request"}\n';
    const redacted = redactCredentials(line);
    expect(JSON.parse(redacted)).toEqual({ time: 1796562891859, req: { url: '/v1/orders/pay_1?token=[redacted]' }, msg: 'incoming request' });
  });
});
