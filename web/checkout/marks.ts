/// <reference lib="dom" />
/**
 * Each method's mark, drawn by us as a small inline SVG (no image file, no
 * request to anyone, nothing inline that the CSP forbids): the colours and
 * shapes payers recognise — WeChat Pay's green with its two speech bubbles,
 * Alipay's blue with 支, UnionPay's red, blue and green bands, a bank card, a
 * wallet. Decorative: the method's name is always written beside it.
 */
import { svg } from './dom.ts';
import type { MethodType } from './api-types.ts';

type Shape = [tag: 'rect' | 'path' | 'circle' | 'text', attributes: Record<string, string | number>, text?: string];

const shapes: Record<MethodType, Shape[]> = {
  wechat_pay: [
    ['rect', { width: 24, height: 24, rx: 5, fill: '#09b83e' }],
    ['path', { d: 'M9.5 5C5.9 5 3 7.4 3 10.4c0 1.7 1 3.2 2.4 4.2L4.8 16.5l2.3-1.2c.8.2 1.6.4 2.4.4h.4a4.8 4.8 0 0 1-.2-1.4c0-3 2.9-5.4 6.4-5.4h.4C15.9 6.7 13 5 9.5 5z', fill: '#fff' }],
    ['path', { d: 'M21 14.2c0-2.5-2.4-4.5-5.4-4.5s-5.4 2-5.4 4.5 2.4 4.5 5.4 4.5c.6 0 1.3-.1 1.9-.3l1.9 1-.5-1.6c1.3-.8 2.1-2.1 2.1-3.6z', fill: '#fff' }],
  ],
  alipay: [
    ['rect', { width: 24, height: 24, rx: 5, fill: '#1677ff' }],
    ['text', { x: 12, y: 17.5, 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 700, fill: '#fff' }, '支'],
  ],
  unionpay: [
    ['path', { d: 'M5 3h6l-4 18H1z', fill: '#e21836' }],
    ['path', { d: 'M11 3h6l-4 18H7z', fill: '#00447c' }],
    ['path', { d: 'M17 3h6l-4 18h-6z', fill: '#007b84' }],
  ],
  card: [
    ['rect', { x: 1, y: 4, width: 22, height: 16, rx: 3, fill: '#334155' }],
    ['rect', { x: 1, y: 8, width: 22, height: 3, fill: '#94a3b8' }],
    ['rect', { x: 4, y: 14, width: 7, height: 2, rx: 1, fill: '#e2e8f0' }],
  ],
  wallet: [
    ['rect', { x: 2, y: 5, width: 20, height: 15, rx: 3, fill: '#f59e0b' }],
    ['rect', { x: 14, y: 10, width: 8, height: 5, rx: 2, fill: '#b45309' }],
    ['circle', { cx: 17, cy: 12.5, r: 1.2, fill: '#fff' }],
  ],
};

export function methodMark(method: MethodType): SVGSVGElement {
  return svg(
    'svg',
    { viewBox: '0 0 24 24', width: 24, height: 24, class: 'mark', 'aria-hidden': 'true', focusable: 'false' },
    shapes[method].map(([tag, attributes, text]) => svg(tag, attributes, text ?? null)),
  );
}
