/// <reference lib="dom" />
/**
 * A QR code as an inline SVG built with DOM calls (no markup strings, no
 * data: image), so it passes the page's CSP and scales without blurring.
 */
import qrcode from 'qrcode-generator';
import { svg } from './dom.ts';

/** Four modules of light margin: the quiet zone scanners need. */
const quietZoneModules = 4;

// The library's default encoder keeps only the low byte of each character; a URL with any non-ASCII
// character must be encoded as UTF-8 bytes to scan correctly.
qrcode.stringToBytes = (text: string): number[] => Array.from(new TextEncoder().encode(text));

export function qrCodeSvg(data: string, label: string): SVGSVGElement {
  const code = qrcode(0, 'M');
  code.addData(data, 'Byte');
  code.make();
  const count = code.getModuleCount();
  const size = count + quietZoneModules * 2;
  // One path of unit squares: far smaller than one <rect> per dark module.
  let path = '';
  for (let row = 0; row < count; row += 1) {
    for (let column = 0; column < count; column += 1) {
      if (code.isDark(row, column)) path += `M${column + quietZoneModules} ${row + quietZoneModules}h1v1h-1z`;
    }
  }
  return svg(
    'svg',
    { viewBox: `0 0 ${size} ${size}`, role: 'img', 'aria-label': label, 'shape-rendering': 'crispEdges', class: 'qr', 'data-testid': 'qr-code' },
    svg('rect', { width: size, height: size, fill: '#ffffff' }),
    svg('path', { d: path, fill: '#000000' }),
  );
}
