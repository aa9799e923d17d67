/**
 * What a payer receives from support: the merchant's answer to a request
 * (an email or an SMS, as the payer asked) and the NPS survey email, in the
 * payer's language. Pure, like the payment messages: everything comes from
 * the input and every value reaching the HTML is escaped.
 */
import type { Locale } from '../locale.ts';
import { escapeHtml } from '../payer-messages.ts';

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  sms: string;
}

const replyTexts: Record<Locale, { subject: (merchant: string, order: string) => string; intro: (merchant: string) => string; link: string }> = {
  en: {
    subject: (merchant, order) => `${merchant} answered your question about order ${order}`,
    intro: (merchant) => `${merchant} answered your support request:`,
    link: 'See the whole conversation and answer on your order page:',
  },
  'zh-CN': {
    subject: (merchant, order) => `${merchant} 已回复您关于订单 ${order} 的问题`,
    intro: (merchant) => `${merchant} 回复了您的客服请求：`,
    link: '在订单页面查看完整对话并回复：',
  },
  'zh-TW': {
    subject: (merchant, order) => `${merchant} 已回覆您關於訂單 ${order} 的問題`,
    intro: (merchant) => `${merchant} 回覆了您的客服請求：`,
    link: '在訂單頁面查看完整對話並回覆：',
  },
};

export function renderSupportReply(input: { locale: Locale; merchantName: string; orderNumber: string; reply: string; orderUrl: string }): RenderedMessage {
  const t = replyTexts[input.locale];
  const subject = t.subject(input.merchantName, input.orderNumber);
  const text = `${t.intro(input.merchantName)}\n\n${input.reply}\n\n${t.link}\n${input.orderUrl}\n`;
  const html = page(input.locale, subject, [
    `<p>${escapeHtml(t.intro(input.merchantName))}</p>`,
    `<blockquote style="white-space:pre-wrap">${escapeHtml(input.reply)}</blockquote>`,
    `<p>${escapeHtml(t.link)} <a href="${escapeHtml(input.orderUrl)}">${escapeHtml(input.orderUrl)}</a></p>`,
  ]);
  // An SMS is short: the start of the answer and the link.
  const sms = `${input.merchantName}: ${input.reply.length > 120 ? `${input.reply.slice(0, 119)}…` : input.reply} ${input.orderUrl}`;
  return { subject, text, html, sms };
}

const surveyTexts: Record<Locale, { subject: (merchant: string) => string; question: (merchant: string) => string; answer: string; unsubscribe: string }> = {
  en: {
    subject: (merchant) => `How likely are you to recommend ${merchant}?`,
    question: (merchant) => `On a scale from 0 (not at all) to 10 (extremely), how likely are you to recommend ${merchant} to a friend?`,
    answer: 'Answer in one click on your order page:',
    unsubscribe: 'No more surveys from this merchant:',
  },
  'zh-CN': {
    subject: (merchant) => `您有多大可能向朋友推荐 ${merchant}？`,
    question: (merchant) => `从 0（完全不会）到 10（非常可能），您有多大可能向朋友推荐 ${merchant}？`,
    answer: '在订单页面一键作答：',
    unsubscribe: '不再接收该商家的调查：',
  },
  'zh-TW': {
    subject: (merchant) => `您有多大可能向朋友推薦 ${merchant}？`,
    question: (merchant) => `從 0（完全不會）到 10（非常可能），您有多大可能向朋友推薦 ${merchant}？`,
    answer: '在訂單頁面一鍵作答：',
    unsubscribe: '不再接收該商家的調查：',
  },
};

export function renderNpsSurvey(input: { locale: Locale; merchantName: string; answerUrl: string; unsubscribeUrl: string }): RenderedMessage {
  const t = surveyTexts[input.locale];
  const subject = t.subject(input.merchantName);
  const text = `${t.question(input.merchantName)}\n\n${t.answer}\n${input.answerUrl}\n\n${t.unsubscribe}\n${input.unsubscribeUrl}\n`;
  const html = page(input.locale, subject, [
    `<p>${escapeHtml(t.question(input.merchantName))}</p>`,
    `<p>${escapeHtml(t.answer)} <a href="${escapeHtml(input.answerUrl)}">${escapeHtml(input.answerUrl)}</a></p>`,
    `<p style="font-size:12px;color:#6e6e73">${escapeHtml(t.unsubscribe)} <a href="${escapeHtml(input.unsubscribeUrl)}">${escapeHtml(input.unsubscribeUrl)}</a></p>`,
  ]);
  return { subject, text, html, sms: '' };
}

function page(locale: Locale, subject: string, paragraphs: string[]): string {
  return `<!doctype html>\n<html lang="${escapeHtml(locale)}">\n<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>\n<body style="font-family:sans-serif;color:#1d1d1f">\n${paragraphs.join('\n')}\n</body>\n</html>\n`;
}
