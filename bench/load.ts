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

export interface OpenLoopOptions<Mark> {
  /** Payments started per second, on a fixed schedule whatever the answers. */
  ratePerSecond: number;
  /** Whether the schedule goes on at `elapsedMs` since its start (e.g. `elapsedMs < 5000`). */
  keepGoing: (elapsedMs: number) => boolean;
  /**
   * At most this many in flight: beyond it, due payments wait in this process
   * (still timed from when they were due) rather than pile up in the server,
   * and those still waiting when the schedule ends are counted as never sent.
   * So an overloaded server costs a bounded drain, not minutes.
   */
  inFlightMax: number;
  /** After the schedule, how long the payments in flight may take to end before they are aborted. */
  drainMs: number;
  /** `dueMs`: when the iteration was due (performance.now() time). */
  iteration: (dueMs: number, signal: AbortSignal) => Promise<Sample>;
  /** Called as the schedule starts and once every payment has ended. */
  mark: () => Promise<Mark>;
}

export interface OpenLoopResult<Mark> {
  ratePerSecond: number;
  /** From the first due time to the last payment's end. */
  elapsedMs: number;
  /** Payments due while the schedule ran. */
  due: number;
  succeeded: number;
  errors: number;
  errorKinds: Map<string, number>;
  /** Due, never sent (the in-flight bound was reached), or aborted at the end of the drain. */
  unfinished: number;
  /** Of the succeeded payments; `unfinished` ones are added as Infinity to `create` and `pair`. */
  latenciesMs: Record<string, number[]>;
  atStart: Mark;
  atEnd: Mark;
}

/** The schedule is checked at least this often (ms); later due payments go out together. */
const openLoopTickMs = 1;

/**
 * An open loop: payment i is due at start + i / rate and is sent then, not
 * when an earlier one answers, so slow answers cannot slow the offered load.
 * Latencies are counted from the due time.
 */
export async function runOpenLoop<Mark>(options: OpenLoopOptions<Mark>): Promise<OpenLoopResult<Mark>> {
  const intervalMs = 1000 / options.ratePerSecond;
  const abort = new AbortController();
  const result = { succeeded: 0, errors: 0, errorKinds: new Map<string, number>(), latenciesMs: {} as Record<string, number[]> };
  const atStart = await options.mark();
  const startMs = performance.now();
  let due = 0;
  let sent = 0;
  let inFlight = 0;
  let settledAll: (() => void) | null = null;
  const launch = (index: number) => {
    inFlight += 1;
    const dueMs = startMs + index * intervalMs;
    void options
      .iteration(dueMs, abort.signal)
      .catch((error: unknown): Sample => ({ ok: false, latenciesMs: {}, error: `threw: ${error instanceof Error ? error.message : String(error)}` }))
      .then((sample) => {
        inFlight -= 1;
        if (sample.ok) {
          result.succeeded += 1;
          for (const [name, ms] of Object.entries(sample.latenciesMs)) (result.latenciesMs[name] ??= []).push(ms);
        } else if (!abort.signal.aborted) {
          result.errors += 1;
          const kind = sample.error ?? 'unknown';
          result.errorKinds.set(kind, (result.errorKinds.get(kind) ?? 0) + 1);
        }
        if (scheduling) pump();
        else if (inFlight === 0) settledAll?.();
      });
  };
  let scheduling = true;
  const pump = () => {
    while (sent < due && inFlight < options.inFlightMax) launch(sent++);
  };
  while (scheduling) {
    const elapsedMs = performance.now() - startMs;
    if (!options.keepGoing(elapsedMs)) {
      scheduling = false;
      break;
    }
    due = Math.max(due, Math.floor(elapsedMs / intervalMs) + 1);
    pump();
    await sleep(Math.max(openLoopTickMs, startMs + due * intervalMs - performance.now()));
  }
  if (inFlight > 0) {
    const drained = new Promise<void>((resolve) => (settledAll = resolve));
    const timer = setTimeout(() => abort.abort(), options.drainMs);
    await drained;
    clearTimeout(timer);
  }
  const elapsedMs = performance.now() - startMs;
  const atEnd = await options.mark();
  const unfinished = due - result.succeeded - result.errors;
  for (const name of ['create', 'pair']) for (let i = 0; i < unfinished; i += 1) (result.latenciesMs[name] ??= []).push(Number.POSITIVE_INFINITY);
  return { ratePerSecond: options.ratePerSecond, elapsedMs, due, unfinished, ...result, atStart, atEnd };
}
