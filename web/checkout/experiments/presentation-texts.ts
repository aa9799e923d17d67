/**
 * The texts a checkout presentation chooses between (the Pay button's
 * wording, the two-step card form's Continue button), in the three
 * languages. Kept beside the presentation rather than in i18n.ts, which is
 * the catalog of texts every payer sees.
 */
import type { PayButtonLabel } from '../../../src/domain/experiments/checkout-presentation.ts';
import { t, type Lang } from '../i18n.ts';

/** The wordings other than the default `pay`, which is the catalog's own `pay.button`. */
const payButton: Record<Lang, Record<Exclude<PayButtonLabel, 'pay'>, string>> = {
  en: { pay_now: 'Pay now · {amount}', pay_securely: 'Pay securely · {amount}', complete_purchase: 'Complete purchase · {amount}' },
  'zh-CN': { pay_now: '立即支付 · {amount}', pay_securely: '安全支付 · {amount}', complete_purchase: '完成购买 · {amount}' },
  'zh-TW': { pay_now: '立即付款 · {amount}', pay_securely: '安全付款 · {amount}', complete_purchase: '完成購買 · {amount}' },
};

const cardContinue: Record<Lang, string> = {
  en: 'Continue to card details',
  'zh-CN': '继续填写银行卡信息',
  'zh-TW': '繼續填寫銀行卡資料',
};

export function payButtonText(lang: Lang, label: PayButtonLabel, amount: string): string {
  if (label === 'pay') return t(lang, 'pay.button', { amount });
  return payButton[lang][label].replace('{amount}', amount);
}

export function cardContinueText(lang: Lang): string {
  return cardContinue[lang];
}
