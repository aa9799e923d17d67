/**
 * A seeded labelled set for the risk model: good payments and fraudulent ones
 * whose signals overlap (a fraudster is more often a new customer, pays more
 * than usual, at night, from a country other than the card's, with busier
 * devices) so that a useful model scores well but not perfectly.
 */
import { seededRandom } from '../../src/domain/clock.ts';
import type { LabelledPayment } from '../../src/domain/risk/model.ts';
import type { Signals } from '../../src/domain/risk/signals.ts';

export function seededLabelledSet(seed: number, count: number, fraudShare = 0.15): LabelledPayment[] {
  const random = seededRandom(seed);
  const uniform = () => random.bytes(4).readUInt32BE(0) / 0x1_0000_0000;
  const chance = (p: number) => uniform() < p;
  const out: LabelledPayment[] = [];
  for (let i = 0; i < count; i += 1) {
    const fraudulent = chance(fraudShare);
    const newCustomer = chance(fraudulent ? 0.7 : 0.2);
    const usualRatio = fraudulent ? 1 + uniform() * 6 : 0.3 + uniform() * 1.7;
    const signals = {
      amount: Math.round(10_000 * usualRatio),
      has_customer: true,
      customer_age_days: newCustomer ? 0 : Math.floor(uniform() * 400),
      customer_succeeded_payments: newCustomer ? 0 : Math.floor(uniform() * 30),
      is_new_customer: newCustomer,
      device_payments_1h: Math.floor(uniform() * (fraudulent ? 5 : 2)),
      device_payments_24h: Math.floor(uniform() * (fraudulent ? 9 : 4)),
      customer_cards_24h: 1 + Math.floor(uniform() * (fraudulent ? 3 : 1.3)),
      declines_in_row: Math.floor(uniform() * (fraudulent ? 3 : 1.2)),
      amount_to_customer_usual: usualRatio,
      amount_to_merchant_usual: usualRatio * (0.8 + uniform() * 0.4),
      country_mismatch: chance(fraudulent ? 0.5 : 0.05),
      hour_of_day: chance(fraudulent ? 0.5 : 0.1) ? Math.floor(uniform() * 6) : 8 + Math.floor(uniform() * 14),
      blocklisted: false,
    } as Partial<Signals> as Signals;
    out.push({ paymentId: `pay_${String(i).padStart(6, '0')}`, signals, fraudulent });
  }
  return out;
}
