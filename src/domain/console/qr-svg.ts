/**
 * A QR code as an SVG data URL, for the console's 2FA enrolment: an `<img>`
 * shows it, and it stays sharp at any size. The otpauth URI it carries is
 * ASCII (its parts are percent-encoded), so the library's byte mode is exact.
 */
import { qrCodePath } from '../qr-code.ts';

export function qrSvgDataUrl(data: string): string {
  const { size, path } = qrCodePath(data);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges"><rect width="${size}" height="${size}" fill="#fff"/><path d="${path}" fill="#000"/></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}
