/**
 * Reading a ZIP archive, as small as UnionPay's statement needs: the central
 * directory is read from the end of the file, each entry found through its
 * local header, stored (method 0) or deflated (method 8), and checked against
 * its CRC-32. No library: an archive from the network is checked at every
 * step and bounded in entries and in inflated bytes, so a hostile one can
 * neither crash the reader nor fill the memory.
 *
 * Not read (UnionPay's archives have none of it): ZIP64, encryption, archives
 * split across files.
 */
import { crc32, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  /** The name as stored (ZIP names are bytes; UnionPay's are ASCII). */
  name: string;
  data: Buffer;
}

export interface ZipLimits {
  entriesMax: number;
  /** The inflated bytes of all entries together. */
  bytesMax: number;
}

const endOfDirectorySignature = 0x06054b50;
const directoryEntrySignature = 0x02014b50;
const localHeaderSignature = 0x04034b50;
const endOfDirectoryBytes = 22;
const directoryEntryBytes = 46;
const localHeaderBytes = 30;
/** The archive comment, at most 65535 bytes, sits after the end-of-directory record. */
const commentBytesMax = 0xffff;

/** The entries of an archive (directories left out), or a sentence saying why it cannot be read. */
export function readZip(archive: Buffer, limits: ZipLimits): { entries: ZipEntry[] } | { error: string } {
  const end = findEndOfDirectory(archive);
  if (end === null) return { error: 'not a ZIP archive (no end of central directory)' };
  const count = archive.readUInt16LE(end + 10);
  const directoryBytes = archive.readUInt32LE(end + 12);
  const directoryAt = archive.readUInt32LE(end + 16);
  if (count > limits.entriesMax) return { error: `the archive holds ${count} entries, more than ${limits.entriesMax}` };
  if (directoryAt + directoryBytes > end) return { error: 'the central directory lies outside the archive' };
  const entries: ZipEntry[] = [];
  let inflatedBytes = 0;
  let at = directoryAt;
  for (let index = 0; index < count; index += 1) {
    if (at + directoryEntryBytes > end || archive.readUInt32LE(at) !== directoryEntrySignature) return { error: `central directory entry ${index} unreadable` };
    const flags = archive.readUInt16LE(at + 8);
    const method = archive.readUInt16LE(at + 10);
    const expectedCrc = archive.readUInt32LE(at + 16);
    const packedBytes = archive.readUInt32LE(at + 20);
    const plainBytes = archive.readUInt32LE(at + 24);
    const nameBytes = archive.readUInt16LE(at + 28);
    const extraBytes = archive.readUInt16LE(at + 30);
    const commentBytes = archive.readUInt16LE(at + 32);
    const localAt = archive.readUInt32LE(at + 42);
    const name = archive.subarray(at + directoryEntryBytes, at + directoryEntryBytes + nameBytes).toString('latin1');
    at += directoryEntryBytes + nameBytes + extraBytes + commentBytes;
    if ((flags & 0x1) !== 0) return { error: `entry ${name} is encrypted` };
    if (name.endsWith('/')) continue;
    inflatedBytes += plainBytes;
    if (inflatedBytes > limits.bytesMax) return { error: `the archive inflates to more than ${limits.bytesMax} bytes` };
    if (localAt + localHeaderBytes > archive.length || archive.readUInt32LE(localAt) !== localHeaderSignature) return { error: `entry ${name} has no local header` };
    const dataAt = localAt + localHeaderBytes + archive.readUInt16LE(localAt + 26) + archive.readUInt16LE(localAt + 28);
    if (dataAt + packedBytes > archive.length) return { error: `entry ${name} runs past the archive` };
    const packed = archive.subarray(dataAt, dataAt + packedBytes);
    let data: Buffer;
    if (method === 0) data = packed;
    else if (method === 8) {
      try {
        data = inflateRawSync(packed, { maxOutputLength: Math.max(plainBytes, 1) });
      } catch {
        return { error: `entry ${name} does not inflate to its stated size` };
      }
    } else return { error: `entry ${name} uses compression method ${method}` };
    if (data.length !== plainBytes || crc32(data) !== expectedCrc) return { error: `entry ${name} fails its CRC-32 or size` };
    entries.push({ name, data });
  }
  return { entries };
}

function findEndOfDirectory(archive: Buffer): number | null {
  const lowest = Math.max(0, archive.length - endOfDirectoryBytes - commentBytesMax);
  for (let at = archive.length - endOfDirectoryBytes; at >= lowest; at -= 1) {
    if (archive.readUInt32LE(at) === endOfDirectorySignature && at + endOfDirectoryBytes + archive.readUInt16LE(at + 20) === archive.length) return at;
  }
  return null;
}
