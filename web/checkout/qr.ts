/// <reference lib="dom" />
/**
 * A QR code as an inline SVG built with DOM calls (no markup strings, no
 * data: image), so it passes the page's CSP and scales without blurring.
 */
import { qrCodePath } from '../../src/domain/qr-code.ts';
import { svg } from './dom.ts';

export function qrCodeSvg(data: string, label: string): SVGSVGElement {
  const { size, path } = qrCodePath(data);
  return svg(
    'svg',
    { viewBox: `0 0 ${size} ${size}`, role: 'img', 'aria-label': label, 'shape-rendering': 'crispEdges', class: 'qr', 'data-testid': 'qr-code' },
    svg('rect', { width: size, height: size, fill: '#ffffff' }),
    svg('path', { d: path, fill: '#000000' }),
  );
}
