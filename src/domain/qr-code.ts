/**
 * A QR code's dark modules as one SVG path of unit squares (far smaller than
 * one <rect> per module), with the quiet zone scanners need. Shared by the
 * checkout (drawn with DOM calls) and the console's 2FA enrolment (a data URL).
 */
import qrcode from 'qrcode-generator';

/** Four modules of light margin. */
const quietZoneModules = 4;

// The library's default encoder keeps only the low byte of each character; text with any non-ASCII
// character must be encoded as UTF-8 bytes to scan correctly.
qrcode.stringToBytes = (text: string): number[] => Array.from(new TextEncoder().encode(text));

/** `size`: the side of the square in modules, quiet zone included; `path`: the dark modules. */
export function qrCodePath(data: string): { size: number; path: string } {
  const code = qrcode(0, 'M');
  code.addData(data, 'Byte');
  code.make();
  const count = code.getModuleCount();
  let path = '';
  for (let row = 0; row < count; row += 1) {
    for (let column = 0; column < count; column += 1) {
      if (code.isDark(row, column)) path += `M${column + quietZoneModules} ${row + quietZoneModules}h1v1h-1z`;
    }
  }
  return { size: count + quietZoneModules * 2, path };
}
