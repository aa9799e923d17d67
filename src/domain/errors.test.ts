import { describe, expect, it } from 'vitest';
import {
  PaymentError,
  declineCatalog,
  errorCatalog,
  errorStatus,
  errorType,
  isDeclineCode,
  localizeError,
  payerVisibleDeclineCode,
  type DeclineCode,
  type ErrorCode,
} from './errors.ts';
import { locales } from './locale.ts';

const codes = Object.keys(errorCatalog) as ErrorCode[];
const cjk = /[\u4e00-\u9fff]/;
/** Widened, so comparing two languages' literal texts type-checks. */
type Text = { message: string; suggestion: string };
const placeholderNames = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

describe('the error catalog', () => {
  it('holds at least every code API.md names', () => {
    const required = [
      'parameter_missing', 'parameter_invalid', 'parameter_unknown', 'resource_missing', 'payment_unexpected_state', 'amount_invalid',
      'currency_invalid', 'card_declined', 'expired_card', 'incorrect_cvc', 'incorrect_number', 'processing_error', 'insufficient_funds',
      'incorrect_pin', 'pin_locked', 'authentication_required', 'connector_unavailable', 'refund_exceeds_payment',
      'capture_exceeds_authorized', 'idempotency_key_reused', 'idempotency_key_in_use', 'api_key_invalid', 'permission_denied',
      'rate_limited', 'risk_blocked',
    ];
    expect(codes).toEqual(expect.arrayContaining(required));
  });

  it('has a non-empty message and suggestion for every code in en, zh-CN and zh-TW', () => {
    for (const code of codes) {
      for (const locale of locales) {
        const text = errorCatalog[code].text[locale];
        expect(text.message.trim(), `${code} ${locale} message`).not.toBe('');
        expect(text.suggestion.trim(), `${code} ${locale} suggestion`).not.toBe('');
      }
    }
  });

  it('writes Chinese in the Chinese texts and none in the English ones', () => {
    for (const code of codes) {
      const { en, 'zh-CN': simplified, 'zh-TW': traditional } = errorCatalog[code].text;
      expect(cjk.test(en.message + en.suggestion), `${code} en`).toBe(false);
      expect(cjk.test(simplified.message), `${code} zh-CN`).toBe(true);
      expect(cjk.test(traditional.message), `${code} zh-TW`).toBe(true);
    }
  });

  it('writes Simplified and Traditional differently: every code differs somewhere, most in the message itself', () => {
    const identical = codes.filter((code) => {
      const a: Text = errorCatalog[code].text['zh-CN'];
      const b: Text = errorCatalog[code].text['zh-TW'];
      return a.message === b.message && a.suggestion === b.suggestion;
    });
    expect(identical).toEqual([]);
    const sameMessage = codes.filter((code) => (errorCatalog[code].text['zh-CN'] as Text).message === errorCatalog[code].text['zh-TW'].message);
    expect(sameMessage.length).toBeLessThanOrEqual(Math.floor(codes.length * 0.1));
  });

  it('pairs each type with a sane status', () => {
    const allowed: Record<string, number[]> = {
      // 408 and 431: a request Node's HTTP parser refused (too slow to arrive, headers too large), answered with Connection: close.
      invalid_request_error: [400, 404, 408, 409, 413, 415, 422, 431],
      authentication_error: [401],
      permission_error: [403],
      idempotency_error: [400, 409],
      rate_limit_error: [429],
      card_error: [402],
      payment_error: [402],
      connector_error: [502, 503, 504],
      api_error: [500, 503],
    };
    for (const code of codes) {
      const { type, status } = errorCatalog[code];
      expect(allowed[type], `${code}: unknown type ${type}`).toBeDefined();
      expect(allowed[type], `${code}: ${type} with ${status}`).toContain(status);
      expect(errorStatus(code)).toBe(status);
      expect(errorType(code)).toBe(type);
    }
  });

  it('gives the statuses API.md pins to the codes it names', () => {
    const expected: [ErrorCode, number, string][] = [
      ['card_declined', 402, 'card_error'],
      ['expired_card', 402, 'card_error'],
      ['api_key_invalid', 401, 'authentication_error'],
      ['permission_denied', 403, 'permission_error'],
      ['resource_missing', 404, 'invalid_request_error'],
      ['payment_unexpected_state', 409, 'invalid_request_error'],
      ['idempotency_key_reused', 400, 'idempotency_error'],
      ['idempotency_key_in_use', 409, 'idempotency_error'],
      ['rate_limited', 429, 'rate_limit_error'],
      ['refund_exceeds_payment', 422, 'invalid_request_error'],
      ['capture_exceeds_authorized', 422, 'invalid_request_error'],
      ['connector_unavailable', 503, 'connector_error'],
    ];
    for (const [code, status, type] of expected) expect({ code, status: errorStatus(code), type: errorType(code) }).toEqual({ code, status, type });
  });

  it('names the same placeholders in every language', () => {
    for (const code of codes) {
      const names = (locale: (typeof locales)[number]) =>
        placeholderNames(errorCatalog[code].text[locale].message + errorCatalog[code].text[locale].suggestion).sort();
      expect(names('zh-CN'), code).toEqual(names('en'));
      expect(names('zh-TW'), code).toEqual(names('en'));
    }
  });
});

describe('localizeError', () => {
  it('fills placeholders in each language', () => {
    expect(localizeError('parameter_missing', 'en', { param: 'amount' })).toEqual({
      message: 'The required parameter amount is missing.',
      suggestion: 'Add amount to the request and send it again.',
    });
    expect(localizeError('parameter_missing', 'zh-CN', { param: 'amount' }).message).toBe('缺少必填参数 amount。');
    expect(localizeError('parameter_missing', 'zh-TW', { param: 'amount' }).message).toBe('缺少必填參數 amount。');
    expect(localizeError('route_unknown', 'zh-TW', { method: 'GET', path: '/v1/x' }).message).toBe('此 API 沒有 GET /v1/x。');
    expect(localizeError('incorrect_pin', 'en', { attempts_remaining: 0 }).suggestion).toContain('0 attempts remain');
  });

  it('leaves no brace once every placeholder a code names is given, in every language', () => {
    for (const code of codes) {
      for (const locale of locales) {
        const source = errorCatalog[code].text[locale];
        const details = Object.fromEntries(placeholderNames(source.message + source.suggestion).map((name) => [name, `v_${name}`]));
        const text = localizeError(code, locale, details);
        expect(text.message + text.suggestion, `${code} ${locale}`).not.toMatch(/[{}]/);
      }
    }
  });

  it('does not expand a placeholder inside a value (no second substitution)', () => {
    expect(localizeError('parameter_missing', 'en', { param: '{param}' }).message).toBe('The required parameter {param} is missing.');
    expect(localizeError('resource_missing', 'en', { resource: 'payment', id: '{resource}' }).message).toBe('No such payment: {resource}.');
  });

  it('uses the decline text when a decline code has one, and the generic card_declined text otherwise', () => {
    expect(localizeError('card_declined', 'en', {}, 'insufficient_funds').message).toBe('The card has insufficient funds.');
    expect(localizeError('card_declined', 'zh-CN', {}, 'insufficient_funds').message).toBe('银行卡余额不足。');
    expect(localizeError('card_declined', 'zh-TW', {}, 'insufficient_funds').message).toBe('卡片餘額不足。');
    expect(localizeError('card_declined', 'zh-TW', {}, 'lost_card')).toEqual(errorCatalog.card_declined.text['zh-TW']);
  });
});

describe('declines a payer may see', () => {
  it('shows lost_card, stolen_card, fraudulent and do_not_honor to payers as generic_decline', () => {
    for (const code of ['lost_card', 'stolen_card', 'fraudulent', 'do_not_honor'] as const) expect(payerVisibleDeclineCode(code)).toBe('generic_decline');
  });

  it('shows insufficient_funds, card_velocity_exceeded and generic_decline as they are', () => {
    for (const code of ['insufficient_funds', 'card_velocity_exceeded', 'generic_decline'] as const) expect(payerVisibleDeclineCode(code)).toBe(code);
  });

  it('gives every payer-visible decline code its own text in every language, and the hidden ones none', () => {
    for (const [code, entry] of Object.entries(declineCatalog)) {
      if (entry.payerVisible) {
        for (const locale of locales) expect(entry.text?.[locale].message.trim(), `${code} ${locale}`).toBeTruthy();
      } else {
        expect(entry.text, code).toBeNull();
      }
      expect(declineCatalog[payerVisibleDeclineCode(code as DeclineCode)].payerVisible).toBe(true);
    }
  });

  it('recognises catalogued decline codes only, not inherited object keys', () => {
    expect(isDeclineCode('insufficient_funds')).toBe(true);
    for (const value of ['toString', '__proto__', 'constructor', 'INSUFFICIENT_FUNDS', '']) expect(isDeclineCode(value), value).toBe(false);
  });
});

describe('PaymentError', () => {
  it('carries its code, param, decline code and payment, with param among the details for the texts', () => {
    const error = new PaymentError('card_declined', { param: 'payment_method', declineCode: 'insufficient_funds', paymentId: 'pay_1', details: { x: 1 } });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'card_declined', param: 'payment_method', declineCode: 'insufficient_funds', paymentId: 'pay_1' });
    expect(error.details).toEqual({ param: 'payment_method', x: 1 });
  });

  it('defaults param, decline code and payment to null', () => {
    const error = new PaymentError('api_key_invalid');
    expect(error).toMatchObject({ param: null, declineCode: null, paymentId: null });
  });
});
