/** What a confirm request carries: the payment method (or the one-time code a card asked for). */
import type { CardInput } from '../../domain/payments/card.ts';

export type PaymentMethodInput =
  | { type: 'card'; card: CardInput }
  | { type: 'alipay' }
  | { type: 'wechat_pay' }
  | { type: 'unionpay' }
  | { type: 'wallet'; wallet: { pin: string } };

export interface ConfirmInput {
  payment_method?: PaymentMethodInput;
  otp?: string;
  return_url?: string;
  /** The payer's WeChat openid (known to the merchant inside WeChat): WeChat Pay then takes a JSAPI order. */
  payment_method_options?: { wechat_pay?: { openid: string } };
  /** Loyalty points to redeem: their value comes off the amount due (flows/loyalty/redeem-points.ts). */
  points?: number;
}
