import { describe, expect, it } from 'vitest';
import { isTimeZone } from './time-zone.ts';

describe('isTimeZone', () => {
  it('knows IANA names and UTC', () => {
    for (const name of ['UTC', 'Asia/Shanghai', 'Asia/Taipei', 'Europe/Paris']) expect(isTimeZone(name)).toBe(true);
  });
  it('refuses made-up names, empty text and offsets written as names', () => {
    for (const name of ['', 'Mars/Olympus', 'Asia/Shanghai; drop table', 'x'.repeat(65)]) expect(isTimeZone(name)).toBe(false);
  });
});
