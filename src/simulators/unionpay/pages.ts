/**
 * The payer's pages: what a browser sees after the checkout submitted the
 * front form. Plain HTML, every value escaped.
 */
import { formatDecimal } from '../../domain/money.ts';
import type { OrderRecord } from './state.ts';

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => htmlEscapes[char] ?? char);

function page(title: string, body: string): string {
  return `<!doctype html>\n<html><head><meta charset="UTF-8"><title>${escapeHtml(title)}</title></head>\n<body>\n${body}\n</body></html>\n`;
}

/** The checkout at "UnionPay": amount, order, and the three things a payer can do. */
export function payerPage(order: OrderRecord): string {
  const hidden = `<input type="hidden" name="merId" value="${escapeHtml(order.merId)}"><input type="hidden" name="orderId" value="${escapeHtml(order.orderId)}">`;
  const button = (action: string, label: string): string =>
    `<form method="post" action="/gateway/payer/${action}">${hidden}<button type="submit" name="action" value="${action}">${label}</button></form>`;
  return page(
    'UnionPay checkout (simulated)',
    [
      '<h1>UnionPay 银联在线支付 (simulated)</h1>',
      `<p>Merchant <span id="merId">${escapeHtml(order.merId)}</span></p>`,
      `<p>Order <span id="orderId">${escapeHtml(order.orderId)}</span></p>`,
      `<p>Amount <span id="amount">¥${formatDecimal(order.amount, 'CNY')}</span> CNY</p>`,
      button('pay', 'Pay'),
      button('decline', 'Decline'),
      button('leave', 'Leave'),
    ].join('\n'),
  );
}

export function messagePage(title: string, message: string, link: string | null = null): string {
  const back = link === null ? '' : `\n<p><a href="${escapeHtml(link)}">Return to the merchant</a></p>`;
  return page(title, `<h1>${escapeHtml(title)}</h1>\n<p id="message">${escapeHtml(message)}</p>${back}`);
}
