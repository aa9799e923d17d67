/**
 * A reader of ZIP archives, enough for the bills providers hand out (Alipay's
 * `…csv.zip`, UnionPay's statement inside fileTransfer's fileContent): the central directory, stored or deflated entries, their CRC
 * checked. Node has the deflate and the CRC (node:zlib) but no ZIP container,
 * so the container is read here rather than through a dependency.
 *
 * Names are decoded as UTF-8 when the entry says so (general purpose flag bit
 * 11) and as GBK otherwise: Alipay's archives, made on Chinese Windows, name
 * their files (…_业务明细.csv) in GBK without setting that flag.
 *
 * Anything this reader does not understand (ZIP64, encryption, another
 * compression method, sizes that do not add up) is an error, never a guess.
 */
import { crc32, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  data: Buffer;
}

export interface ZipLimits {
  /** Entries in one archive; a bill has two. */
  entriesMax: number;
  /** Bytes of all entries once inflated together: a small archive may inflate to a great deal. */
  inflatedBytesMax: number;
}

const signatures = {
  endOfCentralDirectory: 0x06054b50,
  centralDirectoryEntry: 0x02014b50,
  localHeader: 0x04034b50,
} as const;
const methods = { stored: 0, deflated: 8 } as const;
const flags = { encrypted: 0x0001, utf8Names: 0x0800 } as const;
/** The end record is 22 bytes, followed by a comment of at most 65,535 bytes. */
const endRecordBytes = 22;
const commentBytesMax = 0xffff;

/** The archive's files (directories left out), or why it cannot be read. */
export function readZip(archive: Buffer, limits: ZipLimits): { entries: ZipEntry[] } | { error: string } {
  try {
    return { entries: readEntries(archive, limits) };
  } catch (error) {
    if (error instanceof ZipFormatError) return { error: error.message };
    // zlib's own errors: a corrupt deflate stream or one past maxOutputLength.
    return { error: `entry does not inflate: ${(error as Error).message}` };
  }
}

class ZipFormatError extends Error {}

function fail(message: string): never {
  throw new ZipFormatError(message);
}

function readEntries(archive: Buffer, limits: ZipLimits): ZipEntry[] {
  const end = findEndRecord(archive);
  const entryCount = archive.readUInt16LE(end + 10);
  const directoryBytes = archive.readUInt32LE(end + 12);
  const directoryStart = archive.readUInt32LE(end + 16);
  if (entryCount === 0xffff || directoryStart === 0xffffffff) fail('ZIP64 archives are not read');
  if (entryCount > limits.entriesMax) fail(`more than ${limits.entriesMax} entries`);
  if (directoryStart + directoryBytes > end) fail('central directory outside the archive');
  const entries: ZipEntry[] = [];
  let inflatedBytes = 0;
  let at = directoryStart;
  for (let index = 0; index < entryCount; index += 1) {
    need(archive, at, 46);
    if (archive.readUInt32LE(at) !== signatures.centralDirectoryEntry) fail('central directory entry expected');
    const flag = archive.readUInt16LE(at + 8);
    const method = archive.readUInt16LE(at + 10);
    const crc = archive.readUInt32LE(at + 16);
    const compressedBytes = archive.readUInt32LE(at + 20);
    const size = archive.readUInt32LE(at + 24);
    const nameBytes = archive.readUInt16LE(at + 28);
    const extraBytes = archive.readUInt16LE(at + 30);
    const commentBytes = archive.readUInt16LE(at + 32);
    const localHeader = archive.readUInt32LE(at + 42);
    need(archive, at + 46, nameBytes);
    const rawName = archive.subarray(at + 46, at + 46 + nameBytes);
    at += 46 + nameBytes + extraBytes + commentBytes;
    if (at > directoryStart + directoryBytes) fail('central directory entry overruns the directory');
    const name = new TextDecoder(flag & flags.utf8Names ? 'utf-8' : 'gbk', { fatal: true }).decode(rawName);
    if (name.endsWith('/')) continue;
    if (flag & flags.encrypted) fail(`${name} is encrypted`);
    if (compressedBytes === 0xffffffff || size === 0xffffffff || localHeader === 0xffffffff) fail('ZIP64 entries are not read');
    inflatedBytes += size;
    if (inflatedBytes > limits.inflatedBytesMax) fail(`entries inflate to more than ${limits.inflatedBytesMax} bytes`);
    const compressed = entryData(archive, localHeader, compressedBytes);
    const data = inflate(compressed, method, size, name);
    if (crc32(data) !== crc) fail(`${name} fails its CRC`);
    entries.push({ name, data });
  }
  return entries;
}

/** The end record is the last one whose comment length reaches exactly to the end of the archive. */
function findEndRecord(archive: Buffer): number {
  const lowest = Math.max(0, archive.length - endRecordBytes - commentBytesMax);
  for (let at = archive.length - endRecordBytes; at >= lowest; at -= 1) {
    if (archive.readUInt32LE(at) === signatures.endOfCentralDirectory && at + endRecordBytes + archive.readUInt16LE(at + 20) === archive.length) {
      if (archive.readUInt16LE(at + 4) !== 0 || archive.readUInt16LE(at + 6) !== 0) fail('archives split over several disks are not read');
      return at;
    }
  }
  return fail('not a ZIP archive (no end of central directory)');
}

function entryData(archive: Buffer, localHeader: number, compressedBytes: number): Buffer {
  need(archive, localHeader, 30);
  if (archive.readUInt32LE(localHeader) !== signatures.localHeader) fail('local header expected');
  const start = localHeader + 30 + archive.readUInt16LE(localHeader + 26) + archive.readUInt16LE(localHeader + 28);
  need(archive, start, compressedBytes);
  return archive.subarray(start, start + compressedBytes);
}

function inflate(compressed: Buffer, method: number, size: number, name: string): Buffer {
  if (method === methods.stored) {
    if (compressed.length !== size) fail(`${name}: stored size differs`);
    return compressed;
  }
  if (method !== methods.deflated) fail(`${name}: compression method ${method} is not read`);
  // One byte more than announced is allowed out, so an entry longer than its header says is caught below.
  const data = inflateRawSync(compressed, { maxOutputLength: Math.max(1, size + 1) });
  if (data.length !== size) fail(`${name}: inflated size differs`);
  return data;
}

function need(archive: Buffer, at: number, bytes: number): void {
  if (at < 0 || at + bytes > archive.length) fail('archive truncated');
}
