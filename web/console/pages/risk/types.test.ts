import { describe, expect, it } from 'vitest';
import { movedOrder, notableSignals, splitAtPosition } from './types.ts';

describe('the risk page helpers', () => {
  it('marks the character the server named, and a space past the end for a missing operand', () => {
    expect(splitAtPosition('amount >== 5', 8)).toEqual({ before: 'amount >', at: '=', after: '= 5' });
    expect(splitAtPosition('amount >', 8)).toEqual({ before: 'amount >', at: ' ', after: '' });
    expect(splitAtPosition('amount', 0)).toEqual({ before: '', at: 'a', after: 'mount' });
  });
  it('keeps the true, non-zero and non-empty signals, leaving out the payment’s own amount and currency', () => {
    const signals = { amount: 5000, currency: 'CNY', is_new_customer: true, country_mismatch: false, customer_cards_24h: 4, risk_score: -1, card_country: 'US', address_country: '' };
    expect(notableSignals(signals, 10)).toEqual([
      ['is_new_customer', true],
      ['customer_cards_24h', 4],
      ['card_country', 'US'],
    ]);
    expect(notableSignals(signals, 1)).toEqual([['is_new_customer', true]]);
    expect(notableSignals(null, 3)).toEqual([]);
  });
  it('moves a rule up or down by swapping it with its neighbour, and not past either end', () => {
    const rules = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    expect(movedOrder(rules, 'b', -1)).toEqual(['b', 'a', 'c']);
    expect(movedOrder(rules, 'b', 1)).toEqual(['a', 'c', 'b']);
    expect(movedOrder(rules, 'a', -1)).toEqual(['a', 'b', 'c']);
    expect(movedOrder(rules, 'c', 1)).toEqual(['a', 'b', 'c']);
  });
});
