/** The schemas of /v1/loyalty/programme: the merchant's points programme, as set (PUT) and as answered. */
import { Type } from 'typebox';
import { programmeLimits } from '../../../../domain/loyalty/programme.ts';
import { CurrencyInput, requestObject } from '../../../schemas.ts';

const PointsPerUnit = Type.Integer({ minimum: 0, maximum: programmeLimits.pointsPerUnitMax });
const Percent = Type.Integer({ minimum: 0, maximum: programmeLimits.percentMax, description: 'A multiplier in percent: 150 is ×1.5.' });

const Campaign = requestObject({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  starts_at: Type.String({ format: 'date-time' }),
  ends_at: Type.String({ format: 'date-time' }),
  percent: Percent,
});

const Earn = requestObject({
  points_per_unit: Type.Integer({ ...PointsPerUnit, description: 'Points per whole currency unit received (per 1.00 CNY).' }),
  by_payment_method: Type.Optional(
    Type.Record(Type.String({ maxLength: 32 }), PointsPerUnit, { maxProperties: 10, description: 'Points per unit for a payment method (card, alipay, wechat_pay, unionpay, wallet), instead of points_per_unit.' }),
  ),
  segment_percent: Type.Optional(
    Type.Record(Type.String({ maxLength: 64 }), Percent, {
      maxProperties: programmeLimits.segmentsMax,
      description: "A multiplier per customer segment: the customer's `metadata.loyalty_segment`.",
    }),
  ),
  campaigns: Type.Optional(Type.Array(Campaign, { maxItems: programmeLimits.campaignsMax, description: 'Multipliers for payments that succeed within [starts_at, ends_at).' })),
});

const Redemption = requestObject({
  points: Type.Integer({ minimum: 1, maximum: programmeLimits.redemptionTermMax, description: 'This many points …' }),
  amount: Type.Integer({ minimum: 1, maximum: programmeLimits.redemptionTermMax, description: '… are worth this many minor units.' }),
  cap_percent: Type.Integer({ minimum: 0, maximum: programmeLimits.capPercentMax, description: 'Points pay at most this share of the amount (and always leave one minor unit to pay).' }),
});

export const ProgrammeBody = requestObject({
  enabled: Type.Boolean(),
  currency: CurrencyInput,
  earn: Earn,
  spend_delay_hours: Type.Integer({ minimum: 0, maximum: programmeLimits.spendDelayHoursMax, description: 'Earned points are pending this long: a refund within it takes them back before they can be spent.' }),
  expiry_days: Type.Integer({ minimum: programmeLimits.expiryDaysMin, maximum: programmeLimits.expiryDaysMax, description: 'Each lot of points expires this long after it arrived; spending takes the earliest-expiring first.' }),
  redemption: Redemption,
});

export const Programme = Type.Object({
  object: Type.Literal('loyalty_programme'),
  enabled: Type.Boolean(),
  currency: Type.String(),
  earn: Type.Object({
    points_per_unit: Type.Integer(),
    by_payment_method: Type.Record(Type.String(), Type.Integer()),
    segment_percent: Type.Record(Type.String(), Type.Integer()),
    campaigns: Type.Array(Type.Object({ name: Type.String(), starts_at: Type.String(), ends_at: Type.String(), percent: Type.Integer() })),
  }),
  spend_delay_hours: Type.Integer(),
  expiry_days: Type.Integer(),
  redemption: Type.Object({ points: Type.Integer(), amount: Type.Integer(), cap_percent: Type.Integer() }),
  rounding: Type.Literal('down', { description: 'Points earned and the value of points redeemed are rounded down, once, after every multiplier.' }),
  version: Type.Integer({ description: 'Rises only when the terms change: the same PUT again leaves it.' }),
});
