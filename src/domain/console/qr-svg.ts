/**
 * A QR code as an SVG data URL, for the console's 2FA enrolment: an `<img>`
 * shows it, and it stays sharp at any size. The otpauth URI it carries is
 * ASCII (its parts are percent-encoded), so the library's byte mode is exact.
 */
import qrcode from 'qrcode-generator';

const quietZoneModules = 4;

export function qrSvgDataUrl(data: string): string {
  const code = qrcode(0, 'M');
  code.addData(data, 'Byte');
  code.make();
  const count = code.getModuleCount();
  const size = count + quietZoneModules * 2;
  let path = '';
  for (let row = 0; row < count; row += 1) {
    for (let column = 0; column < count; column += 1) {
      if (code.isDark(row, column)) path += `M${column + quietZoneModules} ${row + quietZoneModules}h1v1h-1z`;
    }
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges"><rect width="${size}" height="${size}" fill="#fff"/><path d="${path}" fill="#000"/></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}
