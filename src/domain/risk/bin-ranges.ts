/**
 * The card's issuing country by its first digits (BIN ranges), kept in the
 * repository so no confirm asks a BIN service. Ranges are listed most
 * specific first and the first match wins; a card no range names has no
 * country (the mismatch signal is then false, as for an unknown address).
 *
 * The specific test ranges follow the usual `400000` + ISO 3166 numeric code
 * pattern of test cards (4000001560000002 is a Chinese card, 4000002760003184
 * a German one); the broad ranges give a network's home country.
 */
import { assert } from '../assert.ts';

interface BinRange {
  from: string;
  to: string;
  country: string;
}

export const binRanges: readonly BinRange[] = [
  { from: '400000156', to: '400000156', country: 'CN' },
  { from: '400000344', to: '400000344', country: 'HK' },
  { from: '400000158', to: '400000158', country: 'TW' },
  { from: '400000392', to: '400000392', country: 'JP' },
  { from: '400000276', to: '400000276', country: 'DE' },
  { from: '400000826', to: '400000826', country: 'GB' },
  { from: '400000840', to: '400000840', country: 'US' },
  { from: '424242', to: '424242', country: 'US' },
  { from: '622126', to: '622925', country: 'CN' },
  { from: '620000', to: '629999', country: 'CN' },
  { from: '810000', to: '817199', country: 'CN' },
  { from: '352800', to: '358999', country: 'JP' },
  { from: '340000', to: '349999', country: 'US' },
  { from: '370000', to: '379999', country: 'US' },
  { from: '510000', to: '559999', country: 'US' },
  { from: '222100', to: '272099', country: 'US' },
  { from: '400000', to: '499999', country: 'US' },
];

for (const range of binRanges) {
  assert(range.from.length === range.to.length && range.from <= range.to && /^\d{6,9}$/.test(range.from), `BIN range ${range.from}-${range.to} is well formed`);
  assert(/^[A-Z]{2}$/.test(range.country), `BIN range ${range.from} names an ISO 3166 alpha-2 country`);
}

/** The issuing country of a card number (its digits), or null when no range names it. */
export function cardCountry(cardNumber: string): string | null {
  for (const range of binRanges) {
    const prefix = cardNumber.slice(0, range.from.length);
    if (prefix.length === range.from.length && prefix >= range.from && prefix <= range.to) return range.country;
  }
  return null;
}
