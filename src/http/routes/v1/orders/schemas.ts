/** Schemas several order routes share: the order link's token and the after-sales request. */
import { Type } from 'typebox';
import { afterSalesKinds } from '../../../../flows/checkout/orders.ts';
import { Nullable, stringEnum } from '../../../schemas.ts';

export const TokenQuery = Type.Object({ token: Type.String({ maxLength: 64, description: 'From the order link the payer received.' }) }, { additionalProperties: false });

export const AfterSalesRequest = Type.Object({
  id: Type.String(),
  object: Type.Literal('after_sales_request'),
  payment: Type.String(),
  kind: stringEnum(afterSalesKinds),
  reason: Type.String(),
  amount: Nullable(Type.Integer()),
  status: stringEnum(['pending', 'approved', 'rejected'] as const),
  merchant_note: Nullable(Type.String()),
  refund: Nullable(Type.String({ description: 'The refund an approved refund request made.' })),
  created_at: Type.String({ format: 'date-time' }),
  decided_at: Nullable(Type.String({ format: 'date-time' })),
});
