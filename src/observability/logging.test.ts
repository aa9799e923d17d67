import { describe, expect, it } from 'vitest';
import { censorFields, serializeError } from './logging.ts';

describe('censorFields', () => {
  it('censors fields named like secrets a few levels down, in objects and arrays, without changing the caller\'s object', () => {
    const logged = { body: { payment_method: { card: { number: '4242424242424242' } }, pin: '582046' }, list: [{ otp: '123456' }], Token: 't', amount: 100 };
    expect(censorFields(logged)).toEqual({ body: { payment_method: '[redacted]', pin: '[redacted]' }, list: [{ otp: '[redacted]' }], Token: '[redacted]', amount: 100 });
    expect(logged.body.pin).toBe('582046');
  });

  it('leaves what Fastify serializes itself (req, res, err) and class instances to their serializers', () => {
    const request = { url: '/x' };
    const logged = { req: request, res: { statusCode: 200 }, at: new Date(0) };
    expect(censorFields(logged)).toBe(logged);
  });
});

describe('serializeError', () => {
  it('keeps type, message, stack, error code and status, redacted, and nothing else the error carries', () => {
    const error = Object.assign(new TypeError('bad card 4242424242424242 at /v1/orders/pay_1?token=abc'), {
      code: 'HPE_INVALID_HEADER_TOKEN',
      rawPacket: Buffer.from('GET / HTTP/1.1\r\nAuthorization: Bearer sk_live_x\r\n'),
      body: { pin: '582046' },
    });
    const serialized = serializeError(error);
    expect(Object.keys(serialized).sort()).toEqual(['errorCode', 'message', 'stack', 'statusCode', 'type']);
    expect(serialized).toMatchObject({ type: 'TypeError', errorCode: 'HPE_INVALID_HEADER_TOKEN', message: 'bad card [redacted] at /v1/orders/pay_1?token=[redacted]' });
    expect(JSON.stringify(serialized)).not.toMatch(/4242424242424242|token=abc|sk_live|582046/);
  });
});
