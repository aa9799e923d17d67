/**
 * The one interface every payment connector implements. Connectors are
 * stateless: they turn a request into the provider's wire format, call it with
 * an explicit timeout, verify what comes back, and map the provider's answer
 * onto these outcomes. They never touch the database and never retry: the
 * flows decide what to do with each outcome (see flows/channels/connector-calls.ts).
 *
 * An answer a connector does not understand maps to `unknown`, never to
 * success or failure: the payment then waits for a status query.
 */
import type { CardInput } from '../domain/payments/card.ts';
import type { DeclineCode } from '../domain/errors.ts';
import type { Currency } from '../domain/money.ts';

export const connectorNames = ['card', 'alipay', 'wechat_pay', 'unionpay'] as const;
export type ConnectorName = (typeof connectorNames)[number];

/** A merchant's account at one provider, with its credentials decrypted for the call. */
export interface ConnectorAccount {
  id: string;
  connector: ConnectorName;
  /** Whose address rules apply when calling baseUrl (domain/notifications/outbound-address.ts). */
  mode: 'test' | 'live';
  baseUrl: string;
  credentials: Readonly<Record<string, string>>;
}

/** Codes a provider may give for a refusal; every one is in the error catalog. */
export type DeclineErrorCode =
  | 'card_declined'
  | 'expired_card'
  | 'incorrect_cvc'
  | 'incorrect_number'
  | 'risk_blocked'
  | 'authentication_failed'
  | 'insufficient_funds'
  /** Alipay refused to make a mini program's trade for the buyer it names (trade.create). */
  | 'alipay_buyer_refused';

/**
 * Failures, by what they mean for money:
 * - `declined`: the provider refused and nothing moved. Never retried.
 * - `retriable`: the provider said nothing moved but trying again may work
 *   (processing_error, a 5xx whose body says so), or the request provably
 *   never reached it (connection refused, no such name, an address the
 *   outbound rules refuse): failover may move on. Retried with a new key.
 * - `unknown`: we cannot tell whether anything moved (timeout after sending,
 *   connection dropped, unreadable answer). Retried only with the same key,
 *   or resolved by a status query.
 */
export type ConnectorFailure =
  | {
      kind: 'declined';
      code: DeclineErrorCode;
      declineCode: DeclineCode | null;
      reference: string | null;
      attemptsRemaining: number | null;
    }
  | { kind: 'retriable'; code: 'processing_error' | 'connector_unavailable'; detail: string }
  | { kind: 'unknown'; detail: string };

export type NextAction =
  | { type: 'verify_otp' }
  | { type: 'redirect_to_url'; redirect_to_url: { url: string } }
  | { type: 'display_qr_code'; display_qr_code: { data: string; expires_at: string } }
  /** Inside WeChat: what the page hands to `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` (or `wx.chooseWXPay`), signed for it. */
  | { type: 'wechat_pay_jsapi'; wechat_pay_jsapi: WechatPayJsapiParameters }
  /** In the merchant's own app: the signed order string (orderStr) its Alipay SDK takes (`payTask.payV2`, `AlipaySDK payOrder`). */
  | { type: 'alipay_app'; alipay_app: { order_string: string } }
  /** In the merchant's Alipay mini program: the trade number its page hands to `my.tradePay({ tradeNO })`. */
  | { type: 'alipay_mini_program'; alipay_mini_program: { trade_no: string } };

/** The JSAPI payment parameters, named as WeChat's client reads them. */
export interface WechatPayJsapiParameters {
  appId: string;
  /** Unix seconds, as text. */
  timeStamp: string;
  nonceStr: string;
  /** `prepay_id=…` */
  package: string;
  signType: 'RSA';
  /** SHA256withRSA with the merchant key over `appId\ntimeStamp\nnonceStr\npackage\n`, base64. */
  paySign: string;
}

/** The state of a payment at the provider, as an authorization, a query or an OTP check reports it. */
export type PaymentOutcome =
  | {
      kind: 'authorized';
      reference: string;
      /** True when the funds were captured too (automatic capture). */
      captured: boolean;
      amountCaptured: bigint;
    }
  | { kind: 'requires_action'; reference: string; nextAction: NextAction }
  | { kind: 'voided'; reference: string }
  | { kind: 'not_found' }
  | ConnectorFailure;

export type CaptureOutcome = { kind: 'captured'; amountCaptured: bigint } | ConnectorFailure;
export type VoidOutcome = { kind: 'voided' } | ConnectorFailure;
export type RefundOutcome =
  | { kind: 'succeeded'; reference: string }
  | { kind: 'pending'; reference: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'not_found' }
  | ConnectorFailure;

export interface AuthorizeRequest {
  /** Derived from the attempt: the same key on a retry means the provider charges at most once. */
  idempotencyKey: string;
  amount: bigint;
  currency: Currency;
  capture: boolean;
  card: CardInput;
  description: string | null;
}

export interface CardConnector {
  readonly name: 'card';
  authorize(account: ConnectorAccount, request: AuthorizeRequest): Promise<PaymentOutcome>;
  verifyOtp(account: ConnectorAccount, request: { idempotencyKey: string; reference: string; otp: string }): Promise<PaymentOutcome>;
  capture(account: ConnectorAccount, request: { idempotencyKey: string; reference: string; amount: bigint }): Promise<CaptureOutcome>;
  void(account: ConnectorAccount, request: { idempotencyKey: string; reference: string }): Promise<VoidOutcome>;
  refund(
    account: ConnectorAccount,
    request: { idempotencyKey: string; reference: string; amount: bigint; currency: Currency },
  ): Promise<RefundOutcome>;
  /** Looks a payment up by the idempotency key its authorization was sent with. */
  queryPayment(account: ConnectorAccount, request: { idempotencyKey: string }): Promise<PaymentOutcome>;
  queryRefund(account: ConnectorAccount, request: { idempotencyKey: string }): Promise<RefundOutcome>;
}

// ---------------------------------------------------------------------------
// Channels where the payer pays at the provider (QR code or redirect) and the
// provider tells us by a signed notification: Alipay, WeChat Pay, UnionPay.

export type ChannelName = Exclude<ConnectorName, 'card'>;
export type PayerDevice = 'desktop' | 'mobile';

export interface CreateOrderRequest {
  /** Our order number at the provider (out_trade_no / orderId): letters and digits only, 8 to 32 characters. */
  orderNumber: string;
  amount: bigint;
  currency: Currency;
  /** What the payer sees as the order's title. */
  subject: string;
  /** desktop: a QR code to scan; mobile: a redirect to the provider's page. */
  device: PayerDevice;
  returnUrl: string | null;
  notifyUrl: string;
  expiresAt: Date;
  payerIp: string | null;
  /** When the order was made: providers that key orders by number and time (UnionPay's txnTime) need it again for every later call. */
  createdAt?: Date;
  /**
   * WeChat Pay only: the payer's openid under the account's appid, known when
   * the payer is inside WeChat (the merchant passes it). With it the order is
   * a JSAPI order the page pays through WeChat's client.
   */
  payerOpenid?: string | null;
  /**
   * Alipay only: the payer pays in the merchant's app (app.pay, the order
   * string for Alipay's SDK) or mini program (trade.create for the payer it
   * names, the trade number for my.tradePay), not in a browser.
   */
  alipayClient?: AlipayClient | null;
}

/** Where an Alipay payer pays outside a browser. */
export type AlipayClient =
  | { kind: 'app' }
  | {
      kind: 'mini_program';
      /** The payer: their Alipay user id (2088…, 16 digits) or their open id; exactly one of the two. */
      buyerId: string | null;
      buyerOpenId: string | null;
      /** The mini program the payer pays in, when it is not the account's own app_id. */
      opAppId: string | null;
    };

export type OrderOutcome = { kind: 'requires_action'; reference: string | null; nextAction: NextAction } | ConnectorFailure;

/** An order's state at the provider, from a query or a notification. */
export type OrderState =
  | { kind: 'paid'; reference: string; amountPaid: bigint; paidAt: Date | null }
  /** Created and not paid yet (the payer may still pay). */
  | { kind: 'pending' }
  /** Closed, timed out or revoked without payment: nothing was charged. */
  | { kind: 'closed' }
  /** The payer's payment failed at the provider (e.g. WeChat PAYERROR). */
  | { kind: 'failed'; detail: string }
  /** The provider has no such order (e.g. Alipay ACQ.TRADE_NOT_EXIST before the payer opened it). */
  | { kind: 'not_found' }
  | ConnectorFailure;

/** Exactly what to answer the provider's notification with. */
export interface ProviderAnswer {
  status: number;
  contentType: string;
  body: string;
}

export type NotificationVerdict =
  | {
      kind: 'verified';
      /** The provider's own id for this notification (notify_id, id …): notifications are stored once per id. */
      notificationId: string;
      orderNumber: string;
      /** Set for refund notifications. */
      refundNumber: string | null;
      state: OrderState | RefundOutcome;
      /**
       * The amount the notification states, for checking against our records:
       * the order's for a payment, the refund's own for a refund (null when the
       * provider states only totals, as Alipay does).
       */
      amount: bigint | null;
      /** For a refund: the order's total as the notification states it (Alipay total_amount, WeChat amount.total). */
      orderAmount?: bigint | null;
      /** For a refund: all refunded on the order so far, when that is what the provider states (Alipay refund_fee). */
      refundedTotal?: bigint | null;
      /** Who the notification says the merchant is (app_id, seller_id, mchid, merId), for checking against the account. */
      merchantIdentity: Record<string, string>;
      ack: ProviderAnswer;
    }
  | { kind: 'rejected'; reason: string; orderNumber: string | null; ack: ProviderAnswer };

export interface StatementLine {
  orderNumber: string;
  reference: string;
  kind: 'payment' | 'refund';
  refundNumber: string | null;
  amount: bigint;
  occurredAt: Date;
}

export type StatementOutcome = { kind: 'statement'; lines: StatementLine[] } | { kind: 'not_ready' } | ConnectorFailure;

export interface ChannelConnector {
  readonly name: ChannelName;
  /**
   * The currencies this channel's protocol can take an order in. The flows
   * never offer the channel for a payment in another currency, nor send it
   * such an order: for the connector that would be a programmer error.
   */
  readonly currencies: readonly Currency[];
  createOrder(account: ConnectorAccount, request: CreateOrderRequest): Promise<OrderOutcome>;
  queryOrder(account: ConnectorAccount, request: { orderNumber: string; orderCreatedAt?: Date }): Promise<OrderState>;
  closeOrder(account: ConnectorAccount, request: { orderNumber: string; orderCreatedAt?: Date }): Promise<{ kind: 'closed' } | { kind: 'already_paid' } | ConnectorFailure>;
  refund(
    account: ConnectorAccount,
    request: {
      orderNumber: string;
      refundNumber: string;
      amount: bigint;
      totalAmount: bigint;
      currency: Currency;
      reason: string | null;
      orderCreatedAt?: Date;
      refundCreatedAt?: Date;
      notifyUrl?: string;
    },
  ): Promise<RefundOutcome>;
  queryRefund(account: ConnectorAccount, request: { orderNumber: string; refundNumber: string; orderCreatedAt?: Date; refundCreatedAt?: Date }): Promise<RefundOutcome>;
  /** Verifies a notification on its raw bytes; a payload whose signature fails is never trusted. Pure: no I/O. */
  verifyNotification(
    account: ConnectorAccount,
    request: { headers: Readonly<Record<string, string | undefined>>; rawBody: Buffer; nowMs: number },
  ): NotificationVerdict;
  /** The provider's statement (对账单) of one day, `YYYY-MM-DD` in Beijing time. */
  downloadStatement(account: ConnectorAccount, request: { date: string }): Promise<StatementOutcome>;
}
