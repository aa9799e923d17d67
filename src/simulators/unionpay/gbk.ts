/**
 * Encoding text as GBK, the encoding of UnionPay's statement files. Node
 * decodes GBK (TextDecoder) but cannot encode it, so the table is the
 * decoder's turned around: every two-byte GBK code (lead 0x81–0xFE, trail
 * 0x40–0xFE but 0x7F) decoded once, the first time it is needed.
 */
import { assert } from '../../domain/assert.ts';

let table: Map<string, number> | null = null;

function encodingTable(): Map<string, number> {
  if (table !== null) return table;
  const decoder = new TextDecoder('gbk', { fatal: true });
  const built = new Map<string, number>();
  for (let lead = 0x81; lead <= 0xfe; lead += 1) {
    for (let trail = 0x40; trail <= 0xfe; trail += 1) {
      if (trail === 0x7f) continue;
      try {
        const char = decoder.decode(Uint8Array.of(lead, trail));
        if (!built.has(char)) built.set(char, (lead << 8) | trail);
      } catch {
        // An unassigned code.
      }
    }
  }
  table = built;
  return built;
}

/** The GBK bytes of `text`; a character GBK lacks is a programmer error here (the simulator writes only what GBK holds). */
export function encodeGbk(text: string): Buffer {
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x80) {
      bytes.push(code);
      continue;
    }
    const pair = encodingTable().get(char);
    assert(pair !== undefined, `GBK has no ${char}`);
    bytes.push(pair >> 8, pair & 0xff);
  }
  return Buffer.from(bytes);
}
