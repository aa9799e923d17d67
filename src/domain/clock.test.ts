import { describe, expect, it } from 'vitest';
import { cryptoRandom } from './clock.ts';

describe('cryptoRandom', () => {
  it('never hands out the same bytes twice, across many draws of the pool', () => {
    const seen = new Set<string>();
    // 2 000 draws of 20 bytes span about ten pools: a pool used again without a new draw would repeat values.
    for (let i = 0; i < 2_000; i += 1) {
      const bytes = cryptoRandom.bytes(20);
      expect(bytes).toHaveLength(20);
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(2_000);
  });

  it('gives each caller a copy: a later draw of the pool leaves an earlier answer as it was', () => {
    const first = cryptoRandom.bytes(16);
    const asGiven = Buffer.from(first);
    for (let i = 0; i < 1_000; i += 1) cryptoRandom.bytes(16).fill(0);
    expect(first.equals(asGiven)).toBe(true);
  });

  it('draws large requests on their own, at the length asked', () => {
    const large = cryptoRandom.bytes(10_000);
    expect(large).toHaveLength(10_000);
    expect(new Set(large).size).toBeGreaterThan(200);
    expect(cryptoRandom.bytes(0)).toHaveLength(0);
  });
});
