/**
 * UnionPay's statement (对账文件) in its real container: fileContent is
 * base64 of a zlib-deflated ZIP whose `…ZM_<merId>` file holds fixed-width
 * GBK records. One archive here was made by another writer (Python's
 * zipfile, records laid out by the widths of the official SDK's
 * `parseZMFile`, with Chinese text); the others by the simulator's writer.
 */
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeGbk } from '../../simulators/unionpay/gbk.ts';
import { writeZip } from '../../simulators/unionpay/zip-writer.ts';
import { decodeStatement, encodeFileContent, parseBeijingTime, parseZmRecord, zmRecord, zmRecordBytes } from './wire.ts';
import { readZip } from '../zip.ts';

const merId = '777290058110048';

/**
 * Made outside this code base: Python's zipfile (deflate) holding
 * `INN26010188ZM_777290058110048` (two CRLF-ended GBK records: a purchase of
 * 12.34 at 12-31 23:59:59 and a refund of 2.34 at 01-01 09:30:00 whose
 * 原交易查询流水号 is the purchase's, 二级商户简称 上海测试商户, 商户自定义域
 * 茶具一套 / 退款：茶具) and an empty `…ZME_…`; then zlib.compress, base64.
 */
const foreignFileContent =
  'eJwL8GZmEWFgYOBgEGhoi03In+N9D8g7xMLAIAukPf38jMwMDA0MLSyifOPNzc2NLA0MTC0MDQ0MTCzOTt7I12Qg0FYufP9h2vLshVP63OQbTigb7TB2WmTcZWio1qfm52fXHO7CFcXhmPzndMHe3+/1Mu2czjEKxi4VCe/onXGRVdLg3QX1KQEPCp/59qx49brP6Umho0UPo9eDE60vtXlTWhUqpi1zfeW7TebMRY9DazZesnLTv/x7gv2iuqzPnppfmznmX5y8Y9/RiW8na+zL6Yucp1ett1lj37pz7Sb2vPMDhOtST7VL9Tux72ZU/ich+zTgDqfEPoZnM/dtimMMmyLGzHj41lpZg7nyDDP+Hv8hmrD77S8xVanND421/nImlAegBAyQwcDEAAFy6AHjih4yzAwB3oxMIsy4AxYGGhgZCAUzulHoTkEYJclIyGEB3qxsEP1MDNOBdDjYegAo4JSS';

const beijing = (text: string): number => parseBeijingTime(text) ?? Number.NaN;

function record(values: Parameters<typeof zmRecord>[0]): Buffer {
  return zmRecord({ merId, txnSubType: '01', bizType: '000201', ...values }, encodeGbk);
}

function statementOf(records: Buffer[], names: { zm?: string; extra?: string[] } = {}): string {
  const zm = Buffer.concat(records.map((line) => Buffer.concat([line, Buffer.from('\r\n')])));
  const files = [
    { name: names.zm ?? `INN26061588ZM_${merId}`, data: zm },
    { name: `INN26061588ZME_${merId}`, data: Buffer.alloc(0) },
    ...(names.extra ?? []).map((name) => ({ name, data: Buffer.from('x') })),
  ];
  return encodeFileContent(writeZip(files, Date.UTC(2026, 5, 15)));
}

describe('the ZM record layout', () => {
  it('is 42 fields of the SDK\'s widths with one space between: 620 bytes a record', () => {
    expect(zmRecordBytes).toBe([3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4, 32, 1, 21, 15, 1, 15, 32, 13, 13, 8, 32, 13, 13, 12, 2, 1, 32, 98].reduce((a, b) => a + b + 1, -1));
    const line = record({ orderId: 'ORDER0001', subMerAbbr: '上海测试商户' });
    expect(line.length).toBe(zmRecordBytes);
    // 商户订单号 starts after 11 fields (101 bytes) and their 11 separators.
    expect(line.subarray(112, 144).toString('latin1')).toBe('ORDER0001'.padEnd(32, ' '));
    // Widths count bytes: six Chinese characters are 12 GBK bytes of the 32.
    expect(parseZmRecord(line)?.subMerAbbr).toBe('上海测试商户');
  });
});

describe('decodeStatement', () => {
  it('reads an archive made by another writer: GBK text, CRLF, the refund tied to its payment by 原交易查询流水号, the year from the settlement day', () => {
    const decoded = decodeStatement(foreignFileContent, { merId, date: '2026-01-01' });
    expect(decoded).toEqual({
      rows: [
        { txnType: '01', orderId: 'PP20251231A0001', queryId: '202512312359590000001', origOrderId: '', amount: 1234n, occurredAtMs: beijing('20251231235959') },
        { txnType: '04', orderId: 'PP20260101R0001', queryId: '202601010930000000002', origOrderId: 'PP20251231A0001', amount: 234n, occurredAtMs: beijing('20260101093000') },
      ],
    });
    const archive = readZip(Buffer.from(deflateSync(Buffer.alloc(0))), { entriesMax: 4, inflatedBytesMax: 1024 });
    expect(archive).toHaveProperty('error');
  });

  it('keeps the Chinese text of the foreign file intact (GBK, not UTF-8)', async () => {
    const { inflateSync } = await import('node:zlib');
    const archive = readZip(inflateSync(Buffer.from(foreignFileContent, 'base64')), { entriesMax: 4, inflatedBytesMax: 1 << 20 });
    if ('error' in archive) throw new Error(archive.error);
    const zm = archive.entries.find((entry) => entry.name.includes('ZM_'));
    const first = parseZmRecord(zm?.data.subarray(0, zmRecordBytes) ?? Buffer.alloc(0));
    expect(first).toMatchObject({ subMerAbbr: '上海测试商户', merReserved: '茶具一套', txnAmt: '000000001234', settleAmt: 'C000000001234' });
  });

  it('uses 原始交易订单号 when the file gives it, and skips transaction types this connector never makes', () => {
    const content = statementOf([
      record({ txnType: '01', orderId: 'ORDER0001', queryId: 'Q0000000000000000001', txnAmt: '000000001000', txnTime: '0615100000' }),
      record({ txnType: '04', txnSubType: '00', orderId: 'REFUND0001', queryId: 'Q0000000000000000002', txnAmt: '000000000300', txnTime: '0615110000', origOrderId: 'ORDER0000', origQryId: 'Q0000000000000000001' }),
      record({ txnType: '02', orderId: 'PREAUTH001', queryId: 'Q0000000000000000003', txnAmt: '000000000500', txnTime: '0615120000' }),
    ]);
    const decoded = decodeStatement(content, { merId, date: '2026-06-15' });
    expect(decoded).toMatchObject({ rows: [{ orderId: 'ORDER0001' }, { orderId: 'REFUND0001', origOrderId: 'ORDER0000', amount: 300n }] });
  });

  it('refuses another merchant\'s record, a short record, a bad amount, several ZM files, a broken archive or fileContent', () => {
    const good = { txnType: '01', orderId: 'ORDER0001', queryId: 'Q1', txnAmt: '000000001000', txnTime: '0615100000' };
    const cases: [string, string][] = [
      ['another merchant', statementOf([record({ ...good, merId: '777290058110049' })])],
      ['short record', statementOf([record(good).subarray(0, 300)])],
      ['bad amount', statementOf([record({ ...good, txnAmt: '00000000ABCD' })])],
      ['bad time', statementOf([record({ ...good, txnTime: '1332250000' })])],
      ['two ZM files', statementOf([record(good)], { extra: [`INN26061599ZM_${merId}`] })],
      ['no ZM file', statementOf([record(good)], { zm: 'README' })],
      ['not deflated', Buffer.from('PK not deflated').toString('base64')],
      ['not a ZIP', deflateSync(Buffer.from('hello')).toString('base64')],
    ];
    for (const [name, content] of cases) expect([name, decodeStatement(content, { merId, date: '2026-06-15' })]).toEqual([name, { error: expect.any(String) }]);
  });

  it('refuses an archive whose entry fails its CRC-32, or holds more than the bound of entries', () => {
    const archive = writeZip([{ name: `INN26061588ZM_${merId}`, data: Buffer.from('a record') }], Date.UTC(2026, 5, 15));
    const broken = Buffer.from(archive);
    broken.writeUInt32LE((broken.readUInt32LE(14) ^ 1) >>> 0, 14); // the local header's CRC is not read; the directory's is
    const directoryAt = broken.readUInt32LE(broken.length - 6);
    broken.writeUInt32LE((broken.readUInt32LE(directoryAt + 16) ^ 1) >>> 0, directoryAt + 16);
    expect(readZip(broken, { entriesMax: 4, inflatedBytesMax: 1024 })).toEqual({ error: expect.stringContaining('CRC') });
    const many = writeZip(Array.from({ length: 20 }, (_, index) => ({ name: `f${index}`, data: Buffer.from('x') })), Date.UTC(2026, 5, 15));
    expect(readZip(many, { entriesMax: 16, inflatedBytesMax: 1024 })).toEqual({ error: expect.stringContaining('more than 16 entries') });
    expect(readZip(archive, { entriesMax: 4, inflatedBytesMax: 4 })).toEqual({ error: expect.stringContaining('more than 4 bytes') });
  });
});
