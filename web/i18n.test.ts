import { describe, expect, it } from 'vitest';
import { cancellationReasons, paymentStatuses } from '../src/domain/payments/payment-state.ts';
import { afterSalesKinds, methodTypes } from './checkout/api-types.ts';
import { detectLanguage, label, languageFromTag, languages, messages, t } from './checkout/i18n.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('language detection', () => {
  it.each([
    ['zh-TW', 'zh-TW'],
    ['zh-HK', 'zh-TW'],
    ['zh-MO', 'zh-TW'],
    ['zh-Hant', 'zh-TW'],
    ['zh-Hant-HK', 'zh-TW'],
    ['zh_TW', 'zh-TW'],
    ['zh', 'zh-CN'],
    ['zh-CN', 'zh-CN'],
    ['zh-SG', 'zh-CN'],
    ['zh-Hans', 'zh-CN'],
    ['zh-Hans-HK', 'zh-CN'],
    ['en', 'en'],
    ['en-GB', 'en'],
    ['fr-FR', null],
    ['', null],
  ])('maps %s to %s', (tag, expected) => {
    expect(languageFromTag(tag)).toBe(expected);
  });

  it('prefers the customer locale to the browser languages', () => {
    expect(detectLanguage({ chosen: null, customerLocale: 'zh-TW', navigatorLanguages: ['en-US'] })).toBe('zh-TW');
  });

  it('prefers the payer’s own choice in this tab to the customer locale', () => {
    expect(detectLanguage({ chosen: 'en', customerLocale: 'zh-CN', navigatorLanguages: ['zh-CN'] })).toBe('en');
  });

  it('ignores a stored choice that is not a language of ours', () => {
    expect(detectLanguage({ chosen: 'de', customerLocale: null, navigatorLanguages: ['zh-HK'] })).toBe('zh-TW');
  });

  it('takes the first browser language it speaks, skipping the others', () => {
    expect(detectLanguage({ chosen: null, customerLocale: null, navigatorLanguages: ['fr-FR', 'zh-Hant-TW', 'en'] })).toBe('zh-TW');
  });

  it('falls back to English when the browser speaks none of ours', () => {
    expect(detectLanguage({ chosen: null, customerLocale: null, navigatorLanguages: ['fr-FR', 'de'] })).toBe('en');
    expect(detectLanguage({ chosen: null, customerLocale: null, navigatorLanguages: [] })).toBe('en');
  });
});

describe('translations', () => {
  const englishKeys = Object.keys(messages.en).sort();

  it.each(languages)('%s has every key, and no key English lacks', (lang) => {
    expect(Object.keys(messages[lang]).sort()).toEqual(englishKeys);
  });

  it.each(languages)('%s keeps the placeholders of every English text and leaves no text empty', (lang) => {
    for (const key of englishKeys) {
      const text = messages[lang][key as keyof typeof messages.en];
      expect(text.trim().length, `${lang} ${key}`).toBeGreaterThan(0);
      expect(placeholders(text), `${lang} ${key}`).toEqual(placeholders(messages.en[key as keyof typeof messages.en]));
    }
  });

  it('names every cancellation reason, payment status, method, after-sales kind and status, and timeline type', () => {
    const groups = {
      reason: cancellationReasons,
      status: paymentStatuses,
      method: methodTypes,
      kind: afterSalesKinds,
      afterSalesStatus: ['pending', 'approved', 'rejected'],
      timeline: ['paid', 'shipped', 'delivered', 'refunded', 'canceled'],
    } as const;
    for (const lang of languages) {
      for (const [group, values] of Object.entries(groups)) {
        for (const value of values) {
          expect(Object.hasOwn(messages[lang], `${group}.${value}`), `${lang} ${group}.${value}`).toBe(true);
        }
      }
    }
  });

  it('writes zh-TW in Traditional characters, not the Simplified ones', () => {
    const simplifiedOnly = /[们这说处钱银卡号码订单选择请确认过应该时间来实现网络设置发货运单]/;
    const offenders = Object.entries(messages['zh-TW']).filter(([, text]) => /[们这说处钱银号码订选请认过该时间实现网络设发运]/.test(text));
    expect(offenders).toEqual([]);
    expect(simplifiedOnly.test(messages['zh-CN']['method.wallet'] + messages['zh-CN']['field.orderNumber'])).toBe(true);
  });

  it('fills placeholders and leaves unknown ones visible rather than blank', () => {
    expect(t('en', 'pay.button', { amount: '¥12.34' })).toBe('Pay ¥12.34');
    expect(t('zh-CN', 'pay.button', { amount: '¥12.34' })).toBe('支付 ¥12.34');
    expect(t('en', 'pay.button')).toBe('Pay {amount}');
  });

  it('answers an API value it has no name for as the value itself', () => {
    expect(label('zh-TW', 'reason', 'price_changed')).toBe('價格有變動');
    expect(label('en', 'status', 'some_future_status')).toBe('some_future_status');
  });
});
