/** What a confirm request carries: the payment method (or the one-time code a card asked for). */
import type { AlipayClient } from '../../connectors/connector.ts';
import type { CardInput } from '../../domain/payments/card.ts';
import { PaymentError } from '../../domain/errors.ts';

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
  /**
   * wechat_pay.openid: the payer's WeChat openid (known to the merchant inside
   * WeChat): WeChat Pay then takes a JSAPI order. alipay.client: the payer
   * pays in the merchant's app (`app`) or Alipay mini program
   * (`mini_program`, for the buyer it names) rather than in a browser.
   */
  payment_method_options?: { wechat_pay?: { openid: string }; alipay?: AlipayOptionsInput };
  /** Loyalty points to redeem: their value comes off the amount due (flows/loyalty/redeem-points.ts). */
  points?: number;
  /** What the checkout knows of the payer for the merchant's risk rules (flows/risk/assess-risk.ts); all optional. */
  risk?: RiskInput;
}

export interface RiskInput {
  /** The checkout's own id for the payer's device (a cookie or app install id), opaque to Paypilot. */
  device_id?: string;
  email?: string;
  phone?: string;
  billing_address?: { line1?: string; line2?: string; city?: string; postal_code?: string; country?: string };
}

export interface AlipayOptionsInput {
  client: 'app' | 'mini_program';
  buyer_id?: string;
  buyer_open_id?: string;
  op_app_id?: string;
}

/**
 * The Alipay client a confirm's options name, checked: only with the method
 * alipay; a mini program names its payer one way, an app names none.
 */
export function alipayClientOf(input: ConfirmInput, paymentId: string): AlipayClient | null {
  const options = input.payment_method_options?.alipay;
  if (options === undefined) return null;
  const param = 'payment_method_options.alipay';
  if (input.payment_method?.type !== 'alipay') {
    throw new PaymentError('parameter_invalid', { param, paymentId, details: { reason: 'only with payment_method.type alipay' } });
  }
  const { client, buyer_id: buyerId, buyer_open_id: buyerOpenId, op_app_id: opAppId } = options;
  if (client === 'app') {
    if (buyerId !== undefined || buyerOpenId !== undefined || opAppId !== undefined) {
      throw new PaymentError('parameter_invalid', { param, paymentId, details: { reason: 'buyer_id, buyer_open_id and op_app_id are for client mini_program only' } });
    }
    return { kind: 'app' };
  }
  if (buyerId === undefined && buyerOpenId === undefined) throw new PaymentError('parameter_missing', { param: `${param}.buyer_id`, paymentId });
  if (buyerId !== undefined && buyerOpenId !== undefined) {
    throw new PaymentError('parameter_invalid', { param, paymentId, details: { reason: 'name the payer by buyer_id or by buyer_open_id, not both' } });
  }
  return { kind: 'mini_program', buyerId: buyerId ?? null, buyerOpenId: buyerOpenId ?? null, opAppId: opAppId ?? null };
}
