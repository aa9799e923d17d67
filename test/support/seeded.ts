/** mulberry32: a small seeded generator, so a failing run replays from its seed. */
export function seededGenerator(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  /** True with probability `p`. */
  const chance = (p: number): boolean => next() < p;
  return { next, int, pick, chance };
}

export type SeededGenerator = ReturnType<typeof seededGenerator>;
