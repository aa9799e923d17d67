import { describe, expect, it } from 'vitest';
import { compileRule, evaluateRule, RuleExpressionError } from './expression.ts';
import type { Signals } from './signals.ts';

function errorOf(source: string): { reason: string; position: number } {
  try {
    compileRule(source);
  } catch (error) {
    if (error instanceof RuleExpressionError) return { reason: error.reason, position: error.position };
    throw error;
  }
  throw new Error(`"${source}" compiled`);
}

const signals = { amount: 250_000, is_new_customer: true, customer_cards_24h: 4, card_country: 'US', address_country: 'CN', country_mismatch: true } as unknown as Signals;

describe('the rule language', () => {
  it('evaluates comparisons, logic, arithmetic and strings over the signals', () => {
    expect(evaluateRule(compileRule('customer_cards_24h > 3 || (is_new_customer && amount > 2000000)'), signals)).toBe(true);
    expect(evaluateRule(compileRule('customer_cards_24h > 4'), signals)).toBe(false);
    expect(evaluateRule(compileRule('card_country == "US" && address_country != \'US\''), signals)).toBe(true);
    expect(evaluateRule(compileRule('amount / 100 >= 2500 && !(amount % 7 == 0)'), signals)).toBe(true);
    expect(evaluateRule(compileRule('amount / 0 == 0'), signals)).toBe(true);
    expect(evaluateRule(compileRule('-amount < 0'), signals)).toBe(true);
  });

  it('names the position of an unknown signal', () => {
    expect(errorOf('amount > 1 && amout > 3')).toEqual({ reason: 'unknown signal "amout"', position: 14 });
  });

  it('names the position of a syntax error', () => {
    expect(errorOf('amount > ')).toMatchObject({ position: 9 });
    expect(errorOf('amount > (1')).toMatchObject({ position: 11 });
  });

  it('names the position of a type error on either side', () => {
    expect(errorOf('amount > "big"')).toEqual({ reason: '">" needs a number on its right, not a string', position: 9 });
    expect(errorOf('is_new_customer && card_country')).toEqual({ reason: '"&&" needs a boolean on its right, not a string', position: 19 });
    expect(errorOf('card_country == 3')).toMatchObject({ position: 16 });
    expect(errorOf('!amount')).toMatchObject({ reason: '"!" needs a boolean, not a number', position: 0 });
  });

  it('refuses anything but signals, values and operators: calls, properties, arrays, several expressions', () => {
    expect(errorOf('has_customer && process.exit(1)')).toMatchObject({ reason: 'a function call is not allowed; use signals, values and operators', position: 16 });
    expect(errorOf('constructor.name == "x"')).toMatchObject({ reason: 'reading a property is not allowed; use signals, values and operators' });
    expect(errorOf('[1, 2]')).toMatchObject({ reason: 'an array is not allowed; use signals, values and operators' });
    expect(errorOf('amount > 1; amount < 2')).toMatchObject({ reason: 'more than one expression is not allowed; use signals, values and operators' });
    expect(errorOf('amount > 1 ? true : false').reason).toContain('conditional');
  });

  it('needs a boolean expression, not empty, within its limits', () => {
    expect(errorOf('amount + 1')).toEqual({ reason: 'the expression is a number, a rule needs a boolean', position: 0 });
    expect(errorOf('   ')).toEqual({ reason: 'the expression is empty', position: 0 });
    expect(errorOf(`${'!'.repeat(30)}has_customer`).reason).toBe('nested deeper than 24');
    expect(evaluateRule(compileRule(`${'('.repeat(30)}has_customer${')'.repeat(30)}`), { ...signals, has_customer: true })).toBe(true);
    expect(errorOf('a'.repeat(1001)).reason).toContain('longer than');
  });
});

describe('the customer segment signal', () => {
  const segmented = { ...signals, customer_segment: 'frequent_cancelers' } as unknown as Signals;

  it('reads customer.segment as customer_segment, compared with a segment k-means can name', () => {
    expect(evaluateRule(compileRule('customer.segment == "frequent_cancelers"'), segmented)).toBe(true);
    expect(evaluateRule(compileRule('customer_segment != "big_spenders_2" && amount > 1000'), segmented)).toBe(true);
    expect(evaluateRule(compileRule('customer.segment == ""'), segmented)).toBe(false);
  });

  it('refuses a segment compared with a number, an unknown segment, and other dotted names', () => {
    expect(errorOf('customer.segment == 3').reason).toBe('"==" compares a string with a number');
    expect(errorOf('amount > 1 && customer.segment == "bigspenders"')).toEqual({
      reason: expect.stringContaining('unknown customer segment "bigspenders"'),
      position: 34,
    });
    expect(errorOf('customer.segmnt == "abandoners"').reason).toBe('reading a property is not allowed; use signals, values and operators');
    expect(errorOf('a.b.c == 1').reason).toBe('reading a property is not allowed; use signals, values and operators');
  });
});
