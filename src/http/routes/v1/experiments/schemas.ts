/** The experiment objects the experiment routes answer, for their schemas and the OpenAPI description. */
import { Type } from 'typebox';
import { cardFormLayouts, couponFieldStates, payButtonLabels, presentationMethods } from '../../../../domain/experiments/checkout-presentation.ts';
import { limits } from '../../../../domain/limits.ts';
import { Metadata, Nullable, requestObject, stringEnum } from '../../../schemas.ts';

const Timestamp = Type.String({ format: 'date-time' });
const Method = stringEnum(presentationMethods);

const presentationFields = {
  method_order: Nullable(Type.Array(Method, { maxItems: presentationMethods.length, description: 'These methods first, in this order (those the payment offers); the others after them in the automatic order. null: the automatic order.' })),
  preselected_method: Nullable(stringEnum(presentationMethods, { description: 'Selected when the page opens, when offered; null: the first listed.' })),
  card_form: stringEnum(cardFormLayouts, { description: '`one_page`: the card fields show as soon as the card is chosen; `two_step`: a Continue button first.' }),
  wallet_first: Type.Boolean({ description: 'The wallet listed first, with its balance, whenever offered.' }),
  pay_button_label: stringEnum(payButtonLabels, { description: 'The Pay button\'s wording: "Pay ¥12.00", "Pay now ¥12.00", "Pay securely ¥12.00", "Complete purchase ¥12.00" (and in Chinese).' }),
  coupon_field: stringEnum(couponFieldStates, { description: '`folded`: a "Have a coupon code?" link; `open`: the code input shown at once.' }),
};

/** The full presentation the checkout uses. */
export const Presentation = Type.Object(presentationFields);

/** What a variant changes: any of the presentation's fields, the others keep the merchant's setting. */
export const PresentationOverrides = Type.Partial(Type.Object(presentationFields), { additionalProperties: false });

const VariantKey = Type.String({ pattern: '^[a-z0-9_]{1,32}$', description: 'Lower-case letters, digits and _, up to 32.' });

export const Experiment = Type.Object({
  id: Type.String(),
  object: Type.Literal('experiment'),
  livemode: Type.Boolean(),
  name: Type.String(),
  status: stringEnum(['draft', 'running', 'stopped'] as const),
  exposing: Type.Boolean({ description: 'Running and within starts_at and ends_at: payers are being assigned and exposed now.' }),
  control_variant: Type.String(),
  variants: Type.Array(
    Type.Object({
      key: Type.String(),
      name: Type.String(),
      share: Type.Number({ description: 'The planned share of payers, 0 to 1 (four decimals).' }),
      presentation: PresentationOverrides,
    }),
  ),
  minimum_sample_per_variant: Type.Integer(),
  starts_at: Nullable(Timestamp),
  ends_at: Nullable(Timestamp),
  started_at: Nullable(Timestamp),
  stopped_at: Nullable(Timestamp),
  promoted_variant: Nullable(Type.String({ description: "The variant a stop made the merchant's checkout setting." })),
  metadata: Type.Record(Type.String(), Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const CreateExperimentBody = requestObject({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  variants: Type.Array(
    requestObject({
      key: VariantKey,
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      share: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'The share of payers, 0 to 1; all shares add up to 1 (to four decimals).' }),
      presentation: Type.Optional(PresentationOverrides),
    }),
    { minItems: 2, maxItems: limits.experimentVariantsMax },
  ),
  control_variant: Type.Optional(Type.String({ maxLength: 32, description: 'The variant the others are compared with; the first by default.' })),
  minimum_sample_per_variant: Type.Optional(
    Type.Integer({ minimum: 1, maximum: limits.experimentMinimumSamplePerVariantMax, description: `Exposed payers each variant needs before results compare them (default ${limits.experimentMinimumSamplePerVariantDefault}).` }),
  ),
  starts_at: Type.Optional(Timestamp),
  ends_at: Type.Optional(Timestamp),
  metadata: Type.Optional(Metadata),
});

const Interval = Nullable(Type.Object({ low: Type.Number(), high: Type.Number() }));
const Rate = Type.Object({ count: Type.Integer(), rate: Nullable(Type.Number()), interval: Interval });

export const ExperimentResults = Type.Object({
  object: Type.Literal('experiment_results'),
  experiment: Type.String(),
  status: Type.String(),
  level: Type.Number({ description: 'The two-sided significance level of the comparisons; intervals are at 1 − level.' }),
  minimum_sample_per_variant: Type.Integer(),
  sample_sufficient: Type.Boolean({ description: 'Every variant has the minimum sample; until then no comparison and no winner are given.' }),
  winner: Nullable(Type.String({ description: "The variant whose conversion beats the control's significantly (the largest such difference)." })),
  sample_ratio_mismatch: Type.Boolean({ description: 'Exposed payers per variant differ from the planned shares beyond chance (chi-square, p < 0.001): the results are not to be trusted.' }),
  sample_ratio: Nullable(Type.Object({ chi_square: Type.Number(), degrees_of_freedom: Type.Integer(), p_value: Type.Number(), mismatch: Type.Boolean() })),
  variants: Type.Array(
    Type.Object({
      key: Type.String(),
      name: Type.String(),
      planned_share: Type.Number(),
      exposed_payers: Type.Integer(),
      conversion: Rate,
      cancellation: Rate,
      abandonment: Rate,
      time_to_pay_seconds: Type.Object({ count: Type.Integer(), mean: Nullable(Type.Number()), interval: Interval }),
      average_order_value: Type.Array(Type.Object({ currency: Type.String(), payments: Type.Integer(), amount: Type.Integer(), interval: Interval })),
      conversion_vs_control: Nullable(
        Type.Object({
          difference: Type.Number(),
          difference_interval: Type.Object({ low: Type.Number(), high: Type.Number() }),
          z: Type.Number(),
          p_value: Type.Number(),
          significant: Type.Boolean(),
        }),
      ),
    }),
  ),
});

export const CheckoutSetting = Type.Object({
  object: Type.Literal('checkout_setting'),
  presentation: Presentation,
  source_experiment: Nullable(Type.String()),
  updated_at: Nullable(Timestamp),
});
