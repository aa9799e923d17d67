import { describe, expect, it } from 'vitest';
import {
  caretAfterDigits,
  cardNumberProblem,
  cvcProblem,
  digitsOnly,
  expiryProblem,
  formatExpiryInput,
  groupCardNumber,
  isSixDigitCode,
  parseAmountInput,
  parseExpiry,
  sanitizeCode,
} from './checkout/input-rules.ts';

const march2025 = Date.UTC(2025, 2, 15);

describe('card number', () => {
  it('groups digits in fours, and American Express as 4-6-5', () => {
    expect(groupCardNumber('4242424242424242')).toBe('4242 4242 4242 4242');
    expect(groupCardNumber('42424')).toBe('4242 4');
    expect(groupCardNumber('378282246310005')).toBe('3782 822463 10005');
    expect(groupCardNumber('6212345678901234567')).toBe('6212 3456 7890 1234 567');
    expect(groupCardNumber('')).toBe('');
  });

  it('puts the caret after the same number of digits once spaces are inserted', () => {
    expect(caretAfterDigits('4242 4242', 4)).toBe(4);
    expect(caretAfterDigits('4242 4242', 5)).toBe(6);
    expect(caretAfterDigits('4242 4242', 0)).toBe(0);
    expect(caretAfterDigits('4242', 9)).toBe(4);
  });

  it('keeps only digits, up to a bound', () => {
    expect(digitsOnly('4242-4242 42a42', 19)).toBe('424242424242');
    expect(digitsOnly('12345', 3)).toBe('123');
  });

  it('flags a wrong number only once it is long enough while typing, and any wrong number on leaving', () => {
    expect(cardNumberProblem('4242', false)).toBeNull();
    expect(cardNumberProblem('4242424242424241', false)).toBe('invalid');
    expect(cardNumberProblem('4242424242424242', false)).toBeNull();
    expect(cardNumberProblem('4242', true)).toBe('invalid');
    expect(cardNumberProblem('', false)).toBeNull();
    expect(cardNumberProblem('', true)).toBe('required');
    expect(cardNumberProblem('378282246310005', false)).toBeNull();
    expect(cardNumberProblem('378282246310006', false)).toBe('invalid');
  });
});

describe('expiry date', () => {
  it('formats as typed: slash after the month, a leading zero for months 2-9', () => {
    expect(formatExpiryInput('1')).toBe('1');
    expect(formatExpiryInput('12')).toBe('12');
    expect(formatExpiryInput('123')).toBe('12/3');
    expect(formatExpiryInput('1228')).toBe('12/28');
    expect(formatExpiryInput('12/28')).toBe('12/28');
    expect(formatExpiryInput('4')).toBe('04');
    expect(formatExpiryInput('428')).toBe('04/28');
    expect(formatExpiryInput('12/2899')).toBe('12/28');
  });

  it('reads MM/YY into a month and a four-digit year', () => {
    expect(parseExpiry('12/28', march2025)).toEqual({ ok: true, month: 12, year: 2028 });
    expect(parseExpiry('0325', march2025)).toEqual({ ok: true, month: 3, year: 2025 });
    expect(parseExpiry(' 04 / 26 ', march2025)).toEqual({ ok: true, month: 4, year: 2026 });
  });

  it('refuses an empty, partial, impossible, past or far-future date', () => {
    expect(parseExpiry('', march2025)).toEqual({ ok: false, problem: 'required' });
    expect(parseExpiry('12/2', march2025)).toEqual({ ok: false, problem: 'incomplete' });
    expect(parseExpiry('12/2028', march2025)).toEqual({ ok: false, problem: 'incomplete' });
    expect(parseExpiry('13/28', march2025)).toEqual({ ok: false, problem: 'month' });
    expect(parseExpiry('00/28', march2025)).toEqual({ ok: false, problem: 'month' });
    expect(parseExpiry('02/25', march2025)).toEqual({ ok: false, problem: 'expired' });
    expect(parseExpiry('12/99', march2025)).toEqual({ ok: false, problem: 'too_far' });
  });

  it('treats a card as valid through the last day of its expiry month', () => {
    expect(parseExpiry('03/25', Date.UTC(2025, 2, 31, 23, 59)).ok).toBe(true);
    expect(parseExpiry('03/25', Date.UTC(2025, 3, 1)).ok).toBe(false);
  });

  it('says nothing about a date still being typed, but everything on leaving the field', () => {
    expect(expiryProblem('1', march2025, false)).toBeNull();
    expect(expiryProblem('1', march2025, true)).toBe('incomplete');
    expect(expiryProblem('01/24', march2025, false)).toBe('expired');
  });
});

describe('security code', () => {
  it('wants 3 digits, or 4 for American Express', () => {
    expect(cvcProblem('123', 'visa', true)).toBeNull();
    expect(cvcProblem('1234', 'amex', true)).toBeNull();
    expect(cvcProblem('123', 'amex', true)).toBe('invalid');
    expect(cvcProblem('1234', 'visa', false)).toBe('invalid');
    expect(cvcProblem('12', 'visa', false)).toBeNull();
    expect(cvcProblem('', 'visa', true)).toBe('required');
  });
});

describe('PIN and one-time code', () => {
  it('keeps digits only, six at most, whatever is typed or pasted', () => {
    expect(sanitizeCode('12 34-56')).toBe('123456');
    expect(sanitizeCode('1234567')).toBe('123456');
    expect(sanitizeCode('abc')).toBe('');
  });

  it('accepts exactly six digits', () => {
    expect(isSixDigitCode('402913')).toBe(true);
    expect(isSixDigitCode('40291')).toBe(false);
    expect(isSixDigitCode('4029134')).toBe(false);
    expect(isSixDigitCode('40291a')).toBe(false);
    expect(isSixDigitCode('')).toBe(false);
  });
});

describe('refund amount typed on the order page', () => {
  it('is optional: empty means all that remains', () => {
    expect(parseAmountInput('  ', 'CNY', 5000)).toEqual({ ok: true, minor: null });
  });

  it('reads major units exactly into minor units', () => {
    expect(parseAmountInput('20.00', 'CNY', 5000)).toEqual({ ok: true, minor: 2000 });
    expect(parseAmountInput('0.1', 'CNY', 5000)).toEqual({ ok: true, minor: 10 });
    expect(parseAmountInput('50', 'CNY', 5000)).toEqual({ ok: true, minor: 5000 });
    expect(parseAmountInput('1200', 'JPY', 5000)).toEqual({ ok: true, minor: 1200 });
  });

  it('refuses malformed, zero, too precise or too large amounts', () => {
    expect(parseAmountInput('abc', 'CNY', 5000)).toEqual({ ok: false, problem: 'invalid' });
    expect(parseAmountInput('1.234', 'CNY', 5000)).toEqual({ ok: false, problem: 'invalid' });
    expect(parseAmountInput('-1', 'CNY', 5000)).toEqual({ ok: false, problem: 'invalid' });
    expect(parseAmountInput('1.5', 'JPY', 5000)).toEqual({ ok: false, problem: 'invalid' });
    expect(parseAmountInput('0.00', 'CNY', 5000)).toEqual({ ok: false, problem: 'zero' });
    expect(parseAmountInput('50.01', 'CNY', 5000)).toEqual({ ok: false, problem: 'too_large' });
  });
});
