/**
 * What a simulator keeps across restarts, over a journal (journal.ts).
 *
 * A simulator asks the store for its maps (`store.map(kind, codec)`) and its
 * singletons (`store.object(kind, initial)`). Every key of a map that is read
 * or written is marked; at the next flush the marked objects are serialized
 * and journaled when they changed. Marking reads too is what lets the
 * simulators' code stay as it is: an order found with `get` and then mutated
 * in place is journaled without the code saying so. Code that reaches an
 * object another way (by iterating, or from a closure) marks it with `touch`.
 *
 * Flushes happen before every HTTP answer (each simulator's onSend hook): a
 * simulator never answers that it charged or refunded before that is on
 * disk. Changes made outside a request (a payer's action, a timer) flush on
 * the next turn of the event loop.
 *
 * Without a data directory the store keeps nothing on disk and its maps are
 * plain maps: the simulators of the tests and of `npm start` work as before.
 */
import path from 'node:path';
import { Journal } from './journal.ts';

export interface Codec<V> {
  /** The JSON to keep, or undefined for a value not worth keeping (an answer still being made, say). */
  encode(value: V): unknown;
  decode(json: unknown): V;
}

/** A codec for values that are JSON already. */
export function jsonCodec<V>(): Codec<V> {
  return { encode: (value) => value, decode: (json) => json as V };
}

class TrackedMap<V> extends Map<string, V> {
  onTouch: ((key: string) => void) | undefined;
  override get(key: string): V | undefined {
    this.onTouch?.(key);
    return super.get(key);
  }
  override set(key: string, value: V): this {
    this.onTouch?.(key);
    return super.set(key, value);
  }
  override delete(key: string): boolean {
    this.onTouch?.(key);
    return super.delete(key);
  }
  override clear(): void {
    for (const key of this.keys()) this.onTouch?.(key);
    super.clear();
  }
  /** A read that marks nothing (the flush's own). */
  peek(key: string): V | undefined {
    return super.get(key);
  }
}

/** Marks an object reached without `get` (by iteration, or held by a timer) as changed. */
export function touch(map: Map<string, unknown>, key: string): void {
  if (map instanceof TrackedMap) map.onTouch?.(key);
}

interface Registered {
  map: TrackedMap<unknown>;
  codec: Codec<unknown>;
  touched: Set<string>;
}

export class SimulatorStore {
  private readonly journal: Journal | null;
  private readonly maps = new Map<string, Registered>();
  private readonly objects = new Map<string, object>();
  private flushScheduled = false;
  private closed = false;

  private constructor(journal: Journal | null) {
    this.journal = journal;
  }

  /** A store journaled in `<dataDir>/<name>.jsonl`, or (without a directory) one that keeps nothing. */
  static open(dataDir: string | undefined, name: string): SimulatorStore {
    return new SimulatorStore(dataDir === undefined ? null : Journal.open(path.join(dataDir, `${name}.jsonl`)));
  }

  get persistent(): boolean {
    return this.journal !== null;
  }

  /** The kind's map, holding what the journal had; replaces an earlier map of the same kind (after a reset). */
  map<V>(kind: string, codec: Codec<V>): Map<string, V> {
    if (this.journal === null) return new Map();
    const map = new TrackedMap<V>();
    for (const [id, json] of this.journal.read(kind)) map.set(id, codec.decode(json));
    const registered: Registered = { map: map as TrackedMap<unknown>, codec: codec as Codec<unknown>, touched: new Set() };
    map.onTouch = (key) => {
      registered.touched.add(key);
      this.scheduleFlush();
    };
    this.maps.set(kind, registered);
    return map;
  }

  /** A singleton (counters, keys), journaled at every flush where it changed. */
  object<T extends object>(kind: string, initial: () => T): T {
    const kept = this.journal?.read('object').get(kind);
    const value = kept === undefined ? initial() : (kept as T);
    this.objects.set(kind, value);
    if (kept === undefined && this.journal !== null) this.scheduleFlush();
    return value;
  }

  /** Journals what changed, and waits until it is on disk. */
  flush(): void {
    const journal = this.journal;
    if (journal === null || this.closed) return;
    for (const [kind, registered] of this.maps) {
      for (const key of registered.touched) {
        const value = registered.map.peek(key);
        const json = value === undefined ? undefined : registered.codec.encode(value);
        if (json === undefined) journal.delete(kind, key);
        else journal.put(kind, key, json);
      }
      registered.touched.clear();
    }
    for (const [kind, value] of this.objects) journal.put('object', kind, value);
    journal.flush();
  }

  /** Forgets everything kept (a simulator's reset); the simulator then makes its maps again. */
  clear(): void {
    this.journal?.clear();
    this.maps.clear();
    this.objects.clear();
  }

  close(): void {
    if (this.journal === null || this.closed) return;
    this.flush();
    this.closed = true;
    this.journal.close();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }
}
