/**
 * A closed loop: a fixed number of workers, each starting its next iteration
 * as soon as the last one ends, through a warm-up and then a measurement
 * window. An iteration counts in the window when it ends inside it; the
 * rate is those iterations over the window's length, and the latencies are
 * theirs. Workers stop starting iterations at the window's end and finish
 * the ones in flight, so every iteration the phase began also ends.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Sample {
  ok: boolean;
  /** Named latencies of this iteration, e.g. { pair, create, confirm }. */
  latenciesMs: Record<string, number>;
  /** Set when !ok: what went wrong, short enough to be counted by kind. */
  error?: string;
}

export interface LoopOptions<Mark> {
  concurrency: number;
  warmupMs: number;
  measureMs: number;
  iteration: (worker: number) => Promise<Sample>;
  /** Called when the window opens and when it closes (e.g. CPU and statement counters). */
  mark: () => Promise<Mark>;
}

export interface LoopTotals {
  measureMs: number;
  succeeded: number;
  errors: number;
  errorKinds: Map<string, number>;
  latenciesMs: Record<string, number[]>;
  succeededPerSecond: number[];
  /** Every iteration of the phase, warm-up and drain included. */
  iterationsAll: number;
  succeededAll: number;
}

export interface LoopResult<Mark> extends LoopTotals {
  atStart: Mark;
  atEnd: Mark;
}

/** Two stretches of the same phase as one: their windows laid end to end. */
export function combineLoops(a: LoopTotals, b: LoopTotals): LoopTotals {
  const errorKinds = new Map(a.errorKinds);
  for (const [kind, count] of b.errorKinds) errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + count);
  const latenciesMs: Record<string, number[]> = {};
  for (const name of new Set([...Object.keys(a.latenciesMs), ...Object.keys(b.latenciesMs)])) {
    latenciesMs[name] = [...(a.latenciesMs[name] ?? []), ...(b.latenciesMs[name] ?? [])];
  }
  return {
    measureMs: a.measureMs + b.measureMs,
    succeeded: a.succeeded + b.succeeded,
    errors: a.errors + b.errors,
    errorKinds,
    latenciesMs,
    succeededPerSecond: [...a.succeededPerSecond, ...b.succeededPerSecond],
    iterationsAll: a.iterationsAll + b.iterationsAll,
    succeededAll: a.succeededAll + b.succeededAll,
  };
}

/** After a failure that threw (the server is gone, say), a worker waits this long: no busy loop. */
const pauseAfterThrowMs = 10;

export async function runClosedLoop<Mark>(options: LoopOptions<Mark>): Promise<LoopResult<Mark>> {
  const startedMs = performance.now();
  const windowStartMs = startedMs + options.warmupMs;
  const windowEndMs = windowStartMs + options.measureMs;
  const result = {
    measureMs: options.measureMs,
    succeeded: 0,
    errors: 0,
    errorKinds: new Map<string, number>(),
    latenciesMs: {} as Record<string, number[]>,
    succeededPerSecond: Array.from({ length: Math.ceil(options.measureMs / 1000) }, () => 0),
    iterationsAll: 0,
    succeededAll: 0,
  };
  const marks = {
    atStart: sleep(options.warmupMs).then(options.mark),
    atEnd: sleep(options.warmupMs + options.measureMs).then(options.mark),
  };
  // A failed mark is reported when awaited, below; until then it must not count as unhandled.
  marks.atStart.catch(() => {});
  marks.atEnd.catch(() => {});

  const worker = async (index: number) => {
    while (performance.now() < windowEndMs) {
      let sample: Sample;
      try {
        sample = await options.iteration(index);
      } catch (error) {
        sample = { ok: false, latenciesMs: {}, error: `threw: ${error instanceof Error ? error.message : String(error)}` };
        await sleep(pauseAfterThrowMs);
      }
      const endedMs = performance.now();
      result.iterationsAll += 1;
      if (sample.ok) result.succeededAll += 1;
      if (endedMs < windowStartMs || endedMs > windowEndMs) continue;
      if (sample.ok) {
        result.succeeded += 1;
        const second = Math.min(result.succeededPerSecond.length - 1, Math.floor((endedMs - windowStartMs) / 1000));
        result.succeededPerSecond[second] = (result.succeededPerSecond[second] ?? 0) + 1;
        for (const [name, ms] of Object.entries(sample.latenciesMs)) (result.latenciesMs[name] ??= []).push(ms);
      } else {
        result.errors += 1;
        const kind = sample.error ?? 'unknown';
        result.errorKinds.set(kind, (result.errorKinds.get(kind) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
  return { ...result, atStart: await marks.atStart, atEnd: await marks.atEnd };
}

/** Nearest-rank percentile; NaN for no samples. */
export function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}
