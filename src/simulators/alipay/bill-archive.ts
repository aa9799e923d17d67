/**
 * The simulated Alipay's bill as Alipay hands it out (connectors/alipay/wire.ts
 * "The trade bill"): the detail and summary CSV files in GBK, zipped with
 * their names in GBK too. Also used by tests to build bills in that layout.
 */
import { crc32, deflateRawSync } from 'node:zlib';
import { assert } from '../../domain/assert.ts';

// ---------------------------------------------------------------------------
// GBK. Node decodes it (TextDecoder with full ICU) but only encodes UTF-8, so
// the encoding table is the decoder's, turned around, built on first use.

let gbkTable: Map<string, number> | null = null;

function gbkEncodingTable(): Map<string, number> {
  if (gbkTable !== null) return gbkTable;
  const table = new Map<string, number>();
  const decoder = new TextDecoder('gbk', { fatal: true });
  const pair = new Uint8Array(2);
  for (let lead = 0x81; lead <= 0xfe; lead += 1) {
    for (let trail = 0x40; trail <= 0xfe; trail += 1) {
      if (trail === 0x7f) continue;
      pair[0] = lead;
      pair[1] = trail;
      let char: string;
      try {
        char = decoder.decode(pair);
      } catch {
        continue;
      }
      // The first code for a character is its canonical one.
      if (char.length === 1 && !table.has(char)) table.set(char, (lead << 8) | trail);
    }
  }
  assert(table.get('支') === 0xd6a7, 'the GBK table is built from a GBK decoder');
  gbkTable = table;
  return table;
}

/** `text` in GBK; a character GBK cannot hold becomes `?`, as Windows' ANSI code page would write it. */
export function encodeGbk(text: string): Buffer {
  const table = gbkEncodingTable();
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0x3f;
    if (code < 0x80) {
      bytes.push(code);
      continue;
    }
    const gbk = table.get(char);
    if (gbk === undefined) bytes.push(0x3f);
    else bytes.push(gbk >> 8, gbk & 0xff);
  }
  return Buffer.from(bytes);
}

// ---------------------------------------------------------------------------
// ZIP, deflated entries, names in GBK without the UTF-8 flag (as Alipay's).

export interface ArchiveFile {
  name: string;
  data: Buffer;
}

/** DOS date and time fields (no time zone in them) of a `yyyy-MM-dd HH:mm:ss` Beijing time, as Alipay writes them. */
function dosDateTime(beijingDateTime: string): { date: number; time: number } {
  const [datePart = '1980-01-01', timePart = '00:00:00'] = beijingDateTime.split(' ');
  const [year = 1980, month = 1, day = 1] = datePart.split('-').map(Number);
  const [hour = 0, minute = 0, second = 0] = timePart.split(':').map(Number);
  return { date: ((year - 1980) << 9) | (month << 5) | day, time: (hour << 11) | (minute << 5) | Math.floor(second / 2) };
}

export function zipArchive(files: readonly ArchiveFile[], modifiedAt: string): Buffer {
  const { date, time } = dosDateTime(modifiedAt);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = encodeGbk(file.name);
    const compressed = deflateRawSync(file.data);
    const crc = crc32(file.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0, 6); // flags: names are not UTF-8
    local.writeUInt16LE(8, 8); // deflated
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(file.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by: MS-DOS, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(file.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
