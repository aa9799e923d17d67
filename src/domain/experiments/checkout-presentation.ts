/**
 * How the hosted checkout presents itself, as data: the variants an
 * experiment compares and the setting a merchant keeps are both values of
 * `CheckoutPresentation`. Every field has a default that is the checkout's
 * behaviour without any setting, so a variant names only what it changes.
 * Pure, shared with the checkout in the browser (web/checkout).
 */

export const presentationMethods = ['card', 'alipay', 'wechat_pay', 'unionpay', 'wallet'] as const;
export type PresentationMethod = (typeof presentationMethods)[number];

/** The Pay button's wording; each is a localized text of the checkout (web/checkout/i18n.ts). */
export const payButtonLabels = ['pay', 'pay_now', 'pay_securely', 'complete_purchase'] as const;
export type PayButtonLabel = (typeof payButtonLabels)[number];

export const cardFormLayouts = ['one_page', 'two_step'] as const;
export type CardFormLayout = (typeof cardFormLayouts)[number];

export const couponFieldStates = ['folded', 'open'] as const;
export type CouponFieldState = (typeof couponFieldStates)[number];

export interface CheckoutPresentation {
  /** Methods in this order first (those offered), the others after them in the automatic order; null: the automatic order only. */
  method_order: PresentationMethod[] | null;
  /** The method selected when the page opens, when offered; null: the first listed. */
  preselected_method: PresentationMethod | null;
  /** `two_step`: choosing the card shows a Continue button first, and the card fields after it. */
  card_form: CardFormLayout;
  /** The wallet listed first whenever offered, with its balance, even when it does not cover the amount. */
  wallet_first: boolean;
  pay_button_label: PayButtonLabel;
  coupon_field: CouponFieldState;
}

export type PresentationOverrides = Partial<CheckoutPresentation>;

export const defaultPresentation: Readonly<CheckoutPresentation> = Object.freeze({
  method_order: null,
  preselected_method: null,
  card_form: 'one_page',
  wallet_first: false,
  pay_button_label: 'pay',
  coupon_field: 'folded',
});

/** The presentation shown: the defaults, the merchant's setting over them, then the variant's overrides. */
export function presentationOf(...layers: readonly (PresentationOverrides | null | undefined)[]): CheckoutPresentation {
  const result: CheckoutPresentation = { ...defaultPresentation };
  for (const layer of layers) {
    if (!layer) continue;
    for (const key of Object.keys(layer) as (keyof CheckoutPresentation)[]) {
      const value = layer[key];
      if (value !== undefined) (result as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return result;
}

/** Why these overrides are not valid, or null; the API's schema checks the types, this checks the relations. */
export function presentationProblem(overrides: PresentationOverrides): string | null {
  const order = overrides.method_order;
  if (order && new Set(order).size !== order.length) return 'method_order names a method twice';
  return null;
}

/**
 * Applies the presentation to the methods already in the automatic order:
 * the wallet first when asked, then the merchant's explicit order, the rest
 * after them as they were. Also says which method to preselect.
 */
export function presentedMethods<M extends string>(automatic: readonly M[], presentation: CheckoutPresentation): { methods: M[]; preselected: M | null } {
  const order: readonly string[] = [...(presentation.wallet_first ? ['wallet'] : []), ...(presentation.method_order ?? [])];
  const rank = (method: M): number => {
    const index = order.indexOf(method);
    return index === -1 ? order.length : index;
  };
  const methods = automatic
    .map((method, index) => ({ method, index }))
    .sort((a, b) => rank(a.method) - rank(b.method) || a.index - b.index)
    .map((entry) => entry.method);
  const wanted = presentation.preselected_method;
  const preselected = wanted !== null && (methods as readonly string[]).includes(wanted) ? (wanted as M) : (methods[0] ?? null);
  return { methods, preselected };
}
