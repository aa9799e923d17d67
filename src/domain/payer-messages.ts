/**
 * The messages a payer receives after a payment: an e-mail (subject, plain
 * text and HTML) and an SMS, in the payer's language, for a success, a
 * failure, a cancellation and a refund.
 *
 * Rendering is pure: everything shown comes from the input, so the worker can
 * render a message again from its outbox row and get the same bytes. Amounts
 * stay exact: they go to Intl as decimal strings, never as numbers. Every
 * value that reaches the HTML is escaped, and only http(s) URLs become links.
 */
import { assert, assertNever } from './assert.ts';
import type { CardBrand } from './payments/card.ts';
import type { Locale } from './locale.ts';
import { currencyExponent, formatDecimal } from './money.ts';
import type { Currency } from './money.ts';
import type { CancellationReason } from './payments/payment-state.ts';

export const payerMessageKinds = ['payment_succeeded', 'payment_failed', 'payment_canceled', 'refund_succeeded'] as const;
export type PayerMessageKind = (typeof payerMessageKinds)[number];

export type PayerPaymentMethod =
  | { type: 'card'; brand: CardBrand; last4: string }
  | { type: 'alipay' }
  | { type: 'wechat_pay' }
  | { type: 'unionpay' }
  | { type: 'wallet' };

export interface PayerMessageInput {
  kind: PayerMessageKind;
  locale: Locale;
  merchantName: string;
  customerName: string | null;
  /** The merchant's order reference, or the payment id when there is none. */
  orderNumber: string;
  paymentId: string;
  /** The payment's amount, in minor units. */
  amount: bigint;
  currency: Currency;
  /** The refunded amount in minor units: refund_succeeded only. */
  refundAmount: bigint | null;
  paymentMethod: PayerPaymentMethod | null;
  occurredAt: Date;
  /** An IANA time zone such as 'Asia/Shanghai'; an unknown one falls back to UTC. */
  timeZone: string;
  /** The payer's order page. */
  orderUrl: string;
  /** payment_canceled only. */
  cancellationReason: CancellationReason | null;
  /** payment_failed only: the localized message of the last error, already in the payer's language. */
  failureMessage: string | null;
  /** payment_succeeded only: loyalty points the payment earned, and those it used with their value (minor units). */
  points?: { earned: bigint; redeemed: bigint; value: bigint };
  /** The coupon the payment used, if any: `amount` is then what was charged, `amount + discount` the original price. */
  coupon?: { code: string; discount: bigint } | null;
}

export interface PayerMessage {
  subject: string;
  text: string;
  html: string;
  sms: string;
}

/** Renders the e-mail and the SMS for one event, in the input's locale. */
export function renderPayerMessage(input: PayerMessageInput): PayerMessage {
  const facts = collectFacts(input);
  const copy = copies[input.locale];
  const subject = copy.subject(input.kind, facts);
  const body = composeBody(input.kind, facts, input.locale);
  return {
    subject,
    text: renderText(body, copy),
    html: renderHtml(body, subject, input.locale),
    sms: copy.sms(input.kind, facts),
  };
}

/**
 * The amount as payers read it in their language: en 'CN¥12.34', zh-CN '¥12.34',
 * zh-TW 'CN¥12.34' (whatever Intl gives), JPY without decimals, KWD with three.
 */
export function formatAmountForPayer(amount: bigint, currency: Currency, locale: Locale): string {
  const exponent = currencyExponent(currency);
  // Intl formats a decimal string exactly; turning the amount into a Number could round it.
  const decimal = formatDecimal(amount, currency) as `${number}`;
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(decimal);
}

/**
 * Date and time in the payer's time zone with the zone's short name, e.g.
 * 'Nov 22, 2026, 4:05 PM GMT+8' (en) or '2026年11月22日 16:05 GMT+8' (zh-CN).
 * An unknown time zone does not throw: the time is shown in UTC, and says so.
 */
export function formatTimeForPayer(at: Date, timeZone: string, locale: Locale): string {
  const zone = knownTimeZoneOrUtc(timeZone);
  const dateTime = new Intl.DateTimeFormat(locale, { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }).format(at);
  // dateStyle and timeZoneName cannot share one formatter, so the zone's name comes from a second one.
  const zoneName = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'short' })
    .formatToParts(at)
    .find((part) => part.type === 'timeZoneName')?.value;
  return zoneName === undefined ? dateTime : `${dateTime} ${zoneName}`;
}

/** 'Visa •••• 4242', '支付宝', '微信支付', '银联' / '銀聯', 'Wallet balance' / '钱包余额' / '錢包餘額'. */
export function paymentMethodLabel(method: PayerPaymentMethod, locale: Locale): string {
  switch (method.type) {
    case 'card':
      assert(/^\d{4}$/.test(method.last4), 'a card shows exactly four last digits');
      return `${cardBrandNames[method.brand][locale]} •••• ${method.last4}`;
    case 'alipay':
    case 'wechat_pay':
    case 'unionpay':
    case 'wallet':
      return methodNames[method.type][locale];
    default:
      return assertNever(method, 'unknown payment method');
  }
}

/** Escapes the five characters that matter in HTML text and in quoted attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

// ---------------------------------------------------------------------------
// Facts: every value a message shows, formatted once for the payer's locale.
// ---------------------------------------------------------------------------

interface Facts {
  merchant: string;
  order: string;
  paymentId: string | null;
  customerName: string | null;
  amount: string;
  refundAmount: string | null;
  method: string | null;
  methodType: PayerPaymentMethod['type'] | null;
  time: string;
  url: string;
  cancellationReason: CancellationReason | null;
  failureMessage: string | null;
  pointsEarned: string | null;
  pointsUsed: string | null;
  /** The coupon line: its code and what it took off, formatted. */
  coupon: { code: string; discount: string } | null;
  /** The price before the coupon and the points took their part off (null when neither did). */
  originalAmount: string | null;
}

function collectFacts(input: PayerMessageInput): Facts {
  const { locale } = input;
  if (input.kind === 'refund_succeeded') {
    assert(input.refundAmount !== null, 'a refund message needs the refunded amount');
    assert(input.refundAmount > 0n && input.refundAmount <= input.amount, 'a refund is positive and at most the payment');
  }
  const refundAmount = input.kind === 'refund_succeeded' && input.refundAmount !== null ? input.refundAmount : null;
  const merchant = oneLine(input.merchantName);
  const order = oneLine(input.orderNumber);
  assert(merchant !== '' && order !== '', 'a payer message names the merchant and the order');
  const paymentId = oneLine(input.paymentId);
  const discount = input.coupon ? input.coupon.discount : 0n;
  const points = input.kind === 'payment_succeeded' ? input.points : undefined;
  const pointsValue = points && points.redeemed > 0n ? points.value : 0n;
  return {
    merchant,
    order,
    // The payment id helps support find the payment; it is not repeated when it already is the order number.
    paymentId: paymentId === '' || paymentId === order ? null : paymentId,
    customerName: input.customerName === null || oneLine(input.customerName) === '' ? null : oneLine(input.customerName),
    amount: formatAmountForPayer(input.amount, input.currency, locale),
    refundAmount: refundAmount === null ? null : formatAmountForPayer(refundAmount, input.currency, locale),
    method: input.paymentMethod === null ? null : paymentMethodLabel(input.paymentMethod, locale),
    methodType: input.paymentMethod?.type ?? null,
    time: formatTimeForPayer(input.occurredAt, input.timeZone, locale),
    url: oneLine(input.orderUrl),
    cancellationReason: input.kind === 'payment_canceled' ? input.cancellationReason : null,
    failureMessage: input.kind === 'payment_failed' && input.failureMessage !== null ? oneLine(input.failureMessage) || null : null,
    ...pointsFacts(input),
    coupon: discount > 0n && input.coupon ? { code: oneLine(input.coupon.code), discount: `−${formatAmountForPayer(discount, input.currency, locale)}` } : null,
    // The payment's amount_original: what is charged, plus the coupon's discount and the value of the points used.
    originalAmount: discount + pointsValue > 0n ? formatAmountForPayer(input.amount + discount + pointsValue, input.currency, locale) : null,
  };
}

/**
 * Values come from merchants and providers: line breaks could forge lines in a
 * text or headers in a subject, and bidirectional controls could disguise a
 * name, so both become a single space.
 */
function oneLine(value: string): string {
  return value
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

function knownTimeZoneOrUtc(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return timeZone;
  } catch (error) {
    if (error instanceof RangeError) return 'UTC';
    throw error;
  }
}

/** Only web links may become a link or a button; anything else (javascript:, data:) stays text. */
function isWebUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const { protocol } = new URL(url);
  return protocol === 'https:' || protocol === 'http:';
}

// ---------------------------------------------------------------------------
// The wording, per language.
// ---------------------------------------------------------------------------

type Localized = Record<Locale, string>;

const cardBrandNames: Record<CardBrand, Localized> = {
  visa: { en: 'Visa', 'zh-CN': 'Visa', 'zh-TW': 'Visa' },
  mastercard: { en: 'Mastercard', 'zh-CN': 'Mastercard', 'zh-TW': 'Mastercard' },
  unionpay: { en: 'UnionPay', 'zh-CN': '银联', 'zh-TW': '銀聯' },
  amex: { en: 'American Express', 'zh-CN': '美国运通', 'zh-TW': '美國運通' },
  jcb: { en: 'JCB', 'zh-CN': 'JCB', 'zh-TW': 'JCB' },
  discover: { en: 'Discover', 'zh-CN': 'Discover', 'zh-TW': 'Discover' },
  unknown: { en: 'Card', 'zh-CN': '银行卡', 'zh-TW': '信用卡' },
};

const methodNames: Record<Exclude<PayerPaymentMethod['type'], 'card'>, Localized> = {
  alipay: { en: 'Alipay', 'zh-CN': '支付宝', 'zh-TW': '支付寶' },
  wechat_pay: { en: 'WeChat Pay', 'zh-CN': '微信支付', 'zh-TW': '微信支付' },
  unionpay: { en: 'UnionPay', 'zh-CN': '银联', 'zh-TW': '銀聯' },
  wallet: { en: 'Wallet balance', 'zh-CN': '钱包余额', 'zh-TW': '錢包餘額' },
};

/** Why a payment was canceled, told to the payer without blaming them. */
const cancellationSentences: Record<CancellationReason, Localized> = {
  duplicate: {
    en: 'It was canceled because it duplicated another payment for the same order.',
    'zh-CN': '该笔付款与同一订单的另一笔付款重复，因此已取消。',
    'zh-TW': '此筆付款與同一訂單的另一筆付款重複，因此已取消。',
  },
  fraudulent: {
    en: 'It was canceled because it did not pass a security check.',
    'zh-CN': '该笔付款未通过安全检查，因此已取消。',
    'zh-TW': '此筆付款未通過安全檢查，因此已取消。',
  },
  requested_by_customer: {
    en: 'It was canceled at your request.',
    'zh-CN': '该笔付款已应您的要求取消。',
    'zh-TW': '此筆付款已依您的要求取消。',
  },
  abandoned: {
    en: 'It was canceled because it was not paid in time.',
    'zh-CN': '该笔付款未在规定时间内完成，因此已取消。',
    'zh-TW': '此筆付款未在期限內完成，因此已取消。',
  },
  price_changed: {
    en: 'It was canceled because the price of the order changed.',
    'zh-CN': '由于订单价格发生变化，该笔付款已取消。',
    'zh-TW': '由於訂單價格有所變動，此筆付款已取消。',
  },
  too_complicated: {
    en: 'It was canceled because you found the checkout too complicated.',
    'zh-CN': '您反馈付款流程过于复杂，该笔付款已取消。',
    'zh-TW': '您反映付款流程太過複雜，此筆付款已取消。',
  },
  payment_method_unavailable: {
    en: 'It was canceled because the payment method you wanted was not available.',
    'zh-CN': '由于您想使用的付款方式暂不可用，该笔付款已取消。',
    'zh-TW': '由於您想使用的付款方式目前無法使用，此筆付款已取消。',
  },
  network_issue: {
    en: 'It was canceled because a network problem interrupted it.',
    'zh-CN': '由于网络问题，该笔付款已中断并取消。',
    'zh-TW': '由於網路問題，此筆付款已中斷並取消。',
  },
  quality_concern: {
    en: 'It was canceled because of a concern about the quality of the order.',
    'zh-CN': '由于对商品质量存在疑虑，该笔付款已取消。',
    'zh-TW': '由於對商品品質有疑慮，此筆付款已取消。',
  },
  other: {
    en: 'It was canceled; the merchant can tell you why.',
    'zh-CN': '该笔付款已取消，具体原因请咨询商户。',
    'zh-TW': '此筆付款已取消，詳細原因請洽詢商家。',
  },
};

/** When refunded money reaches the payer depends on where it goes back to. */
type RefundDestination = 'card' | 'wallet' | 'provider' | 'unknown';

function refundDestination(methodType: PayerPaymentMethod['type'] | null): RefundDestination {
  if (methodType === null) return 'unknown';
  if (methodType === 'card' || methodType === 'wallet') return methodType;
  return 'provider';
}

interface DetailLabels {
  merchant: string;
  order: string;
  amount: string;
  refundAmount: string;
  paymentAmount: string;
  method: string;
  paymentId: string;
  pointsUsed: string;
  pointsEarned: string;
  originalAmount: string;
  couponDiscount(code: string): string;
}

/** Everything one language says; the structure of a message is shared by all three. */
interface Copy {
  title: Record<PayerMessageKind, string>;
  timeLabel: Record<PayerMessageKind, string>;
  buttonLabel: Record<PayerMessageKind, string>;
  labels: DetailLabels;
  /** What separates a label from its value in plain text. */
  labelSeparator: string;
  greeting(customerName: string | null): string;
  subject(kind: PayerMessageKind, facts: Facts): string;
  headline(kind: PayerMessageKind, facts: Facts): string;
  failureReason(message: string): string;
  failureNextStep: string;
  nothingTaken: string;
  refundArrival(destination: RefundDestination, method: string | null): string;
  linkIntro: string;
  footer(merchant: string): string;
  sms(kind: PayerMessageKind, facts: Facts): string;
}

const english: Copy = {
  title: {
    payment_succeeded: 'Payment received',
    payment_failed: 'Payment failed',
    payment_canceled: 'Payment canceled',
    refund_succeeded: 'Refund issued',
  },
  timeLabel: { payment_succeeded: 'Paid at', payment_failed: 'Time', payment_canceled: 'Canceled at', refund_succeeded: 'Refunded at' },
  buttonLabel: { payment_succeeded: 'View your order', payment_failed: 'Pay again', payment_canceled: 'View your order', refund_succeeded: 'View your order' },
  labels: {
    merchant: 'Merchant',
    order: 'Order number',
    amount: 'Amount',
    refundAmount: 'Refunded amount',
    paymentAmount: 'Payment amount',
    method: 'Payment method',
    paymentId: 'Payment reference',
    pointsUsed: 'Points used',
    pointsEarned: 'Points earned',
    originalAmount: 'Original price',
    couponDiscount: (code) => `Coupon ${code}`,
  },
  labelSeparator: ': ',
  greeting: (name) => (name === null ? 'Hello,' : `Hi ${name},`),
  subject: (kind, f) => `${english.title[kind]}: order ${f.order} at ${f.merchant}`,
  headline(kind, f) {
    switch (kind) {
      case 'payment_succeeded':
        return `${f.merchant} has received your payment of ${f.amount} for order ${f.order}. Thank you.`;
      case 'payment_failed':
        return `Your payment of ${f.amount} to ${f.merchant} for order ${f.order} did not go through.`;
      case 'payment_canceled':
        return `Your payment of ${f.amount} to ${f.merchant} for order ${f.order} has been canceled.`;
      case 'refund_succeeded':
        return `${f.merchant} has refunded ${f.refundAmount} of your ${f.amount} payment for order ${f.order}.`;
      default:
        return assertNever(kind);
    }
  },
  failureReason: (message) => `Reason: ${message}`,
  failureNextStep: 'To complete your order, try again or choose another payment method on your order page.',
  nothingTaken: 'No money has been taken for this payment.',
  refundArrival(destination, method) {
    switch (destination) {
      case 'card':
        return 'The money usually reaches your card within a few business days, depending on your bank.';
      case 'wallet':
        return 'The money is back in your wallet balance now.';
      case 'provider':
        return `The money goes back to your ${method}; when it arrives depends on ${method}.`;
      case 'unknown':
        return 'The money goes back to your original payment method; when it arrives depends on your payment provider.';
      default:
        return assertNever(destination);
    }
  },
  linkIntro: 'View your order:',
  footer: (merchant) => `This is an automated message; please do not reply. For questions about your order, contact ${merchant}.`,
  sms(kind, f) {
    switch (kind) {
      case 'payment_succeeded':
        return `[${f.merchant}] Payment of ${f.amount} received for order ${f.order}. Details: ${f.url}`;
      case 'payment_failed':
        return `[${f.merchant}] Payment of ${f.amount} for order ${f.order} failed. Try again: ${f.url}`;
      case 'payment_canceled':
        return `[${f.merchant}] Payment of ${f.amount} for order ${f.order} canceled, no money taken. Details: ${f.url}`;
      case 'refund_succeeded':
        return `[${f.merchant}] Refund of ${f.refundAmount} issued for order ${f.order}. Details: ${f.url}`;
      default:
        return assertNever(kind);
    }
  },
};

const simplifiedChinese: Copy = {
  title: { payment_succeeded: '付款成功', payment_failed: '付款失败', payment_canceled: '付款已取消', refund_succeeded: '退款成功' },
  timeLabel: { payment_succeeded: '付款时间', payment_failed: '时间', payment_canceled: '取消时间', refund_succeeded: '退款时间' },
  buttonLabel: { payment_succeeded: '查看订单', payment_failed: '重新付款', payment_canceled: '查看订单', refund_succeeded: '查看订单' },
  labels: {
    merchant: '商户', order: '订单号', amount: '金额', refundAmount: '退款金额', paymentAmount: '付款金额', method: '付款方式', paymentId: '交易单号',
    pointsUsed: '使用积分', pointsEarned: '获得积分',
    originalAmount: '原价', couponDiscount: (code) => `优惠码 ${code}`,
  },
  labelSeparator: '：',
  greeting: (name) => (name === null ? '您好：' : `${name}，您好：`),
  subject: (kind, f) => `【${f.merchant}】订单 ${f.order} ${simplifiedChinese.title[kind]}`,
  headline(kind, f) {
    switch (kind) {
      case 'payment_succeeded':
        return `您在 ${f.merchant} 的订单 ${f.order} 已付款成功，金额 ${f.amount}。感谢您的惠顾！`;
      case 'payment_failed':
        return `您在 ${f.merchant} 的订单 ${f.order} 付款未成功，金额 ${f.amount}。`;
      case 'payment_canceled':
        return `您在 ${f.merchant} 的订单 ${f.order} 的付款（金额 ${f.amount}）已取消。`;
      case 'refund_succeeded':
        return `${f.merchant} 已为您的订单 ${f.order} 退款 ${f.refundAmount}（原付款金额 ${f.amount}）。`;
      default:
        return assertNever(kind);
    }
  },
  failureReason: (message) => `失败原因：${message}`,
  failureNextStep: '如需完成订单，请前往订单页面重新付款，或更换其他付款方式。',
  nothingTaken: '此次付款未从您的账户扣除任何款项。',
  refundArrival(destination, method) {
    switch (destination) {
      case 'card':
        return '退款通常会在几个工作日内退回您的银行卡，具体到账时间以发卡行为准。';
      case 'wallet':
        return '退款已即时退回您的钱包余额。';
      case 'provider':
        return `退款将原路退回${method}，到账时间以${method}为准。`;
      case 'unknown':
        return '退款将原路退回您的付款账户，到账时间以支付机构为准。';
      default:
        return assertNever(destination);
    }
  },
  linkIntro: '查看订单：',
  footer: (merchant) => `此邮件由系统自动发送，请勿直接回复。如对订单有疑问，请联系 ${merchant}。`,
  sms(kind, f) {
    switch (kind) {
      case 'payment_succeeded':
        return `【${f.merchant}】您的订单 ${f.order} 已付款成功，金额 ${f.amount}。详情：${f.url}`;
      case 'payment_failed':
        return `【${f.merchant}】您的订单 ${f.order} 付款失败，金额 ${f.amount}。请重新付款：${f.url}`;
      case 'payment_canceled':
        return `【${f.merchant}】您的订单 ${f.order} 付款已取消，金额 ${f.amount}，未扣款。详情：${f.url}`;
      case 'refund_succeeded':
        return `【${f.merchant}】您的订单 ${f.order} 已退款 ${f.refundAmount}。详情：${f.url}`;
      default:
        return assertNever(kind);
    }
  },
};

const traditionalChinese: Copy = {
  title: { payment_succeeded: '付款成功', payment_failed: '付款失敗', payment_canceled: '付款已取消', refund_succeeded: '退款成功' },
  timeLabel: { payment_succeeded: '付款時間', payment_failed: '時間', payment_canceled: '取消時間', refund_succeeded: '退款時間' },
  buttonLabel: { payment_succeeded: '查看訂單', payment_failed: '重新付款', payment_canceled: '查看訂單', refund_succeeded: '查看訂單' },
  labels: {
    merchant: '商家', order: '訂單編號', amount: '金額', refundAmount: '退款金額', paymentAmount: '付款金額', method: '付款方式', paymentId: '交易編號',
    pointsUsed: '使用點數', pointsEarned: '獲得點數',
    originalAmount: '原價', couponDiscount: (code) => `優惠碼 ${code}`,
  },
  labelSeparator: '：',
  greeting: (name) => (name === null ? '您好：' : `${name} 您好：`),
  subject: (kind, f) => `【${f.merchant}】訂單 ${f.order} ${traditionalChinese.title[kind]}`,
  headline(kind, f) {
    switch (kind) {
      case 'payment_succeeded':
        return `您在 ${f.merchant} 的訂單 ${f.order} 已付款成功，金額 ${f.amount}。感謝您的惠顧！`;
      case 'payment_failed':
        return `您在 ${f.merchant} 的訂單 ${f.order} 付款未成功，金額 ${f.amount}。`;
      case 'payment_canceled':
        return `您在 ${f.merchant} 的訂單 ${f.order} 的付款（金額 ${f.amount}）已取消。`;
      case 'refund_succeeded':
        return `${f.merchant} 已為您的訂單 ${f.order} 退款 ${f.refundAmount}（原付款金額 ${f.amount}）。`;
      default:
        return assertNever(kind);
    }
  },
  failureReason: (message) => `失敗原因：${message}`,
  failureNextStep: '如需完成訂單，請前往訂單頁面重新付款，或改用其他付款方式。',
  nothingTaken: '此次付款未從您的帳戶扣除任何款項。',
  refundArrival(destination, method) {
    switch (destination) {
      case 'card':
        return '退款通常會在幾個工作天內退回您的信用卡，實際入帳時間依發卡銀行而定。';
      case 'wallet':
        return '退款已立即退回您的錢包餘額。';
      case 'provider':
        return `退款將原路退回${method}，入帳時間依${method}而定。`;
      case 'unknown':
        return '退款將原路退回您的付款帳戶，入帳時間依支付機構而定。';
      default:
        return assertNever(destination);
    }
  },
  linkIntro: '查看訂單：',
  footer: (merchant) => `此郵件由系統自動發送，請勿直接回覆。如對訂單有疑問，請聯絡 ${merchant}。`,
  sms(kind, f) {
    switch (kind) {
      case 'payment_succeeded':
        return `【${f.merchant}】您的訂單 ${f.order} 已付款成功，金額 ${f.amount}。詳情：${f.url}`;
      case 'payment_failed':
        return `【${f.merchant}】您的訂單 ${f.order} 付款失敗，金額 ${f.amount}。請重新付款：${f.url}`;
      case 'payment_canceled':
        return `【${f.merchant}】您的訂單 ${f.order} 付款已取消，金額 ${f.amount}，未扣款。詳情：${f.url}`;
      case 'refund_succeeded':
        return `【${f.merchant}】您的訂單 ${f.order} 已退款 ${f.refundAmount}。詳情：${f.url}`;
      default:
        return assertNever(kind);
    }
  },
};

const copies: Record<Locale, Copy> = { en: english, 'zh-CN': simplifiedChinese, 'zh-TW': traditionalChinese };

// ---------------------------------------------------------------------------
// One body, two renderings: plain text and HTML say the same things in the same order.
// ---------------------------------------------------------------------------

interface Body {
  title: string;
  greeting: string;
  /** Sentences about what happened and what comes next, one paragraph each. */
  paragraphs: string[];
  details: Array<{ label: string; value: string }>;
  buttonLabel: string;
  url: string;
  footer: string;
}

function composeBody(kind: PayerMessageKind, facts: Facts, locale: Locale): Body {
  const copy = copies[locale];
  return {
    title: copy.title[kind],
    greeting: copy.greeting(facts.customerName),
    paragraphs: [copy.headline(kind, facts), ...kindParagraphs(kind, facts, locale)],
    details: detailRows(kind, facts, copy),
    buttonLabel: copy.buttonLabel[kind],
    url: facts.url,
    footer: copy.footer(facts.merchant),
  };
}

function kindParagraphs(kind: PayerMessageKind, facts: Facts, locale: Locale): string[] {
  const copy = copies[locale];
  switch (kind) {
    case 'payment_succeeded':
      return [];
    case 'payment_failed':
      return [...(facts.failureMessage === null ? [] : [copy.failureReason(facts.failureMessage)]), copy.failureNextStep];
    case 'payment_canceled':
      // A cancellation without a recorded reason reads like one whose reason is 'other'.
      return [cancellationSentences[facts.cancellationReason ?? 'other'][locale], copy.nothingTaken];
    case 'refund_succeeded':
      return [copy.refundArrival(refundDestination(facts.methodType), facts.method)];
    default:
      return assertNever(kind);
  }
}

/** Points appear on a payment's success only: those it used (with their value) and those it earned. */
function pointsFacts(input: PayerMessageInput): Pick<Facts, 'pointsEarned' | 'pointsUsed'> {
  const points = input.kind === 'payment_succeeded' ? input.points : undefined;
  const count = (value: bigint) => new Intl.NumberFormat(input.locale).format(value);
  return {
    pointsEarned: points && points.earned > 0n ? count(points.earned) : null,
    pointsUsed: points && points.redeemed > 0n ? `${count(points.redeemed)} (−${formatAmountForPayer(points.value, input.currency, input.locale)})` : null,
  };
}

function detailRows(kind: PayerMessageKind, facts: Facts, copy: Copy): Body['details'] {
  const { labels } = copy;
  const amounts =
    kind === 'refund_succeeded' && facts.refundAmount !== null
      ? [
          { label: labels.refundAmount, value: facts.refundAmount },
          { label: labels.paymentAmount, value: facts.amount },
        ]
      : [{ label: labels.amount, value: facts.amount }];
  // What was taken off is shown above the amount charged, as a sum that reads down: the original price, the
  // coupon's discount, the points used, then the amount.
  const deductions =
    kind === 'refund_succeeded'
      ? []
      : [
          ...(facts.originalAmount === null ? [] : [{ label: labels.originalAmount, value: facts.originalAmount }]),
          ...(facts.coupon === null ? [] : [{ label: labels.couponDiscount(facts.coupon.code), value: facts.coupon.discount }]),
          ...(facts.pointsUsed === null ? [] : [{ label: labels.pointsUsed, value: facts.pointsUsed }]),
        ];
  return [
    { label: labels.merchant, value: facts.merchant },
    { label: labels.order, value: facts.order },
    ...deductions,
    ...amounts,
    ...(facts.pointsEarned === null ? [] : [{ label: labels.pointsEarned, value: facts.pointsEarned }]),
    ...(facts.method === null ? [] : [{ label: labels.method, value: facts.method }]),
    { label: copy.timeLabel[kind], value: facts.time },
    ...(facts.paymentId === null ? [] : [{ label: labels.paymentId, value: facts.paymentId }]),
  ];
}

function renderText(body: Body, copy: Copy): string {
  const details = body.details.map(({ label, value }) => `${label}${copy.labelSeparator}${value}`).join('\n');
  // The URL stands on a line of its own so that mail clients link it whole.
  return [body.greeting, ...body.paragraphs, details, `${copy.linkIntro}\n${body.url}`, body.footer].join('\n\n') + '\n';
}

const fontStacks: Localized = {
  en: "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif",
  'zh-CN': "-apple-system, 'PingFang SC', 'Microsoft YaHei', 'Segoe UI', Helvetica, Arial, sans-serif",
  'zh-TW': "-apple-system, 'PingFang TC', 'Microsoft JhengHei', 'Segoe UI', Helvetica, Arial, sans-serif",
};

function renderHtml(body: Body, subject: string, locale: Locale): string {
  const paragraphStyle = 'margin:0 0 16px 0;font-size:15px;line-height:1.6;';
  const paragraphs = body.paragraphs.map((sentence) => `<p style="${paragraphStyle}">${escapeHtml(sentence)}</p>`).join('\n');
  const rows = body.details
    .map(
      ({ label, value }) =>
        `<tr><th align="left" style="padding:8px 12px 8px 0;font-size:14px;font-weight:normal;color:#6e6e73;white-space:nowrap;vertical-align:top;">${escapeHtml(label)}</th>` +
        `<td style="padding:8px 0;font-size:14px;color:#1d1d1f;word-break:break-word;">${escapeHtml(value)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="${escapeHtml(locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(subject)}</title>
</head>
<body style="margin:0;padding:24px 12px;background-color:#f5f5f7;font-family:${fontStacks[locale]};color:#1d1d1f;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:560px;margin:0 auto;background-color:#ffffff;border-radius:8px;">
<tr><td style="padding:28px 24px;">
<h1 style="margin:0 0 20px 0;font-size:22px;line-height:1.3;font-weight:600;">${escapeHtml(body.title)}</h1>
<p style="${paragraphStyle}">${escapeHtml(body.greeting)}</p>
${paragraphs}
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="width:100%;margin:8px 0 24px 0;border-top:1px solid #e5e5ea;border-bottom:1px solid #e5e5ea;">
${rows}
</table>
${renderOrderLink(body)}
<p style="margin:24px 0 0 0;font-size:12px;line-height:1.5;color:#86868b;">${escapeHtml(body.footer)}</p>
</td></tr>
</table>
</body>
</html>
`;
}

/** A button for a web URL; any other scheme is shown as text, since a click on it could run script. */
function renderOrderLink(body: Body): string {
  if (!isWebUrl(body.url)) {
    return `<p style="margin:0 0 16px 0;font-size:14px;word-break:break-all;">${escapeHtml(body.url)}</p>`;
  }
  const url = escapeHtml(body.url);
  return (
    `<p style="margin:0 0 16px 0;"><a href="${url}" style="display:inline-block;padding:12px 24px;background-color:#0a66c2;color:#ffffff;font-size:15px;font-weight:600;text-decoration:none;border-radius:6px;">${escapeHtml(body.buttonLabel)}</a></p>\n` +
    `<p style="margin:0 0 16px 0;font-size:12px;color:#86868b;word-break:break-all;"><a href="${url}" style="color:#0a66c2;">${url}</a></p>`
  );
}
