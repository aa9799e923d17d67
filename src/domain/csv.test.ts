import { describe, expect, it } from 'vitest';
import { csvField, flattenRecord, parseCsv, quotedField, toCsv } from './csv.ts';

describe('csv', () => {
  it('quotes fields with commas, quotes and line breaks, and leaves plain ones alone', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('defuses text a spreadsheet would run as a formula, but writes numbers as they are', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(-5)).toBe('-5');
    expect(csvField(12n)).toBe('12');
  });

  it('writes empty fields for null, ISO times for dates, and CRLF line ends', () => {
    expect(toCsv(['a', 'b', 'c'], [{ a: null, b: new Date(Date.UTC(2026, 0, 2)), c: true }])).toBe('a,b,c\r\n,2026-01-02T00:00:00.000Z,true\r\n');
  });

  it('flattens sub-objects into dotted columns and skips arrays', () => {
    expect(flattenRecord({ a: 1, latency_ms: { p50: 2, p99: 3 }, list: [1] })).toEqual({ a: 1, 'latency_ms.p50': 2, 'latency_ms.p99': 3 });
  });

  it('reads quoted fields back: commas, doubled quotes and line breaks inside them, CRLF or LF line ends', () => {
    const text = `a,b,c\r\n"x,y","say ""hi""","two\r\nlines"\r\nplain,,last\n`;
    expect(parseCsv(text)).toEqual([
      ['a', 'b', 'c'],
      ['x,y', 'say "hi"', 'two\r\nlines'],
      ['plain', '', 'last'],
    ]);
    expect(parseCsv(quotedField('a,"b"\nc'))).toEqual([['a,"b"\nc']]);
  });

  it('leaves a quote inside an unquoted field as it is, and skips comment lines only where a record starts', () => {
    expect(parseCsv('7" tablet,x\n')).toEqual([['7" tablet', 'x']]);
    expect(parseCsv('#title,with,commas\na,"b\n#not a comment"\n#end\n', { commentPrefix: '#' })).toEqual([['a', 'b\n#not a comment']]);
    expect(parseCsv('\r\na,b\r\n\r\n')).toEqual([['a', 'b']]);
  });

  it('refuses what is not CSV: a quote left open, text after a closing quote', () => {
    expect(parseCsv('a,"open\nstill open')).toBeNull();
    expect(parseCsv('"closed"x,y')).toBeNull();
  });
});
