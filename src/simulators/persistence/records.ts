/**
 * What a simulator did, as an outside witness of Paypilot: every
 * authorization, capture, payment, close, refund and notification, with its
 * amount and the key of the request that caused it (an Idempotency-Key, an
 * out_trade_no, an out_request_no …), and for every key how many times it was
 * seen and what it caused. A key that caused the same effect twice is what
 * must never happen; `GET /_control/records` shows it, and the chaos run
 * (test/chaos) compares these records with Paypilot's.
 *
 * Kept in the simulator's store, so records survive a restart; bounded, the
 * oldest going first.
 */
import { assert } from '../../domain/assert.ts';
import type { Clock } from '../../domain/clock.ts';
import { jsonCodec, type SimulatorStore } from './store.ts';

export const effectKinds = [
  'ordered',
  'authorized',
  'captured',
  'declined',
  'voided',
  'paid',
  'closed',
  'refunded',
  'refund_failed',
  'notified',
  'mail',
  'sms',
] as const;
export type EffectKind = (typeof effectKinds)[number];

/** Notifications are resent by design: the same key notifying again is no second effect. */
const repeatableKinds: ReadonlySet<EffectKind> = new Set(['notified', 'mail', 'sms']);

export const effectsKeptMax = 250_000;
export const keysKeptMax = 250_000;

export interface Effect {
  seq: number;
  at: string;
  kind: EffectKind;
  /** What the key names: idempotency_key, out_trade_no, out_request_no, out_refund_no, order_id … */
  key_kind: string | null;
  key: string | null;
  /** The provider's id of the object (authorization, trade, refund). */
  object: string | null;
  /** In minor units, as a string (exact for any amount). */
  amount: string | null;
  currency: string | null;
  detail: string | null;
}

export interface KeyRecord {
  key_kind: string;
  key: string;
  /** Requests that carried the key. */
  seen: number;
  effects: Partial<Record<EffectKind, number>>;
  /** Effects the key caused beyond the first of each kind (notifications aside): must be 0. */
  second_effects: number;
}

export interface EffectInput {
  kind: EffectKind;
  keyKind?: string;
  key?: string | null;
  object?: string | null;
  amount?: bigint | number | null;
  currency?: string | null;
  detail?: string | null;
}

interface Counters {
  seq: number;
  dropped: number;
}

export class SimulatorRecords {
  private readonly effects: Map<string, Effect>;
  private readonly keys: Map<string, KeyRecord>;
  private readonly counters: Counters;
  private readonly clock: Clock;
  readonly simulator: string;

  constructor(simulator: string, store: SimulatorStore, clock: Clock) {
    this.simulator = simulator;
    this.clock = clock;
    this.effects = store.map('effect', jsonCodec<Effect>());
    this.keys = store.map('key', jsonCodec<KeyRecord>());
    this.counters = store.object<Counters>('records', () => ({ seq: 0, dropped: 0 }));
  }

  /** A request carried this key. */
  sawKey(keyKind: string, key: string): void {
    const record = this.keyRecord(keyKind, key);
    record.seen += 1;
  }

  effect(input: EffectInput): Effect {
    this.counters.seq += 1;
    const effect: Effect = {
      seq: this.counters.seq,
      at: new Date(this.clock.nowMs()).toISOString(),
      kind: input.kind,
      key_kind: input.key ? (input.keyKind ?? null) : null,
      key: input.key ?? null,
      object: input.object ?? null,
      amount: input.amount === undefined || input.amount === null ? null : String(input.amount),
      currency: input.currency ?? null,
      detail: input.detail ?? null,
    };
    this.effects.set(String(effect.seq), effect);
    if (this.effects.size > effectsKeptMax) {
      this.effects.delete(this.effects.keys().next().value as string);
      this.counters.dropped += 1;
    }
    if (effect.key !== null && effect.key_kind !== null) {
      const record = this.keyRecord(effect.key_kind, effect.key);
      const count = (record.effects[effect.kind] ?? 0) + 1;
      record.effects[effect.kind] = count;
      if (count > 1 && !repeatableKinds.has(effect.kind)) record.second_effects += 1;
    }
    return effect;
  }

  /** What `GET /_control/records` answers. */
  report(): RecordsReport {
    const summary: Partial<Record<EffectKind, { count: number; amount: string }>> = {};
    const effects = [...this.effects.values()].sort((a, b) => a.seq - b.seq);
    for (const effect of effects) {
      const line = (summary[effect.kind] ??= { count: 0, amount: '0' });
      line.count += 1;
      if (effect.amount !== null) line.amount = String(BigInt(line.amount) + BigInt(effect.amount));
    }
    const keys = [...this.keys.values()];
    return {
      simulator: this.simulator,
      effects_total: this.counters.seq,
      effects_dropped: this.counters.dropped,
      summary,
      keys_seen_more_than_once: keys.filter((record) => record.seen > 1).length,
      keys_with_second_effect: keys.filter((record) => record.second_effects > 0),
      keys,
      effects,
    };
  }

  private keyRecord(keyKind: string, key: string): KeyRecord {
    const id = `${keyKind}:${key}`;
    let record = this.keys.get(id);
    if (record === undefined) {
      record = { key_kind: keyKind, key, seen: 0, effects: {}, second_effects: 0 };
      this.keys.set(id, record);
      if (this.keys.size > keysKeptMax) this.keys.delete(this.keys.keys().next().value as string);
    }
    return record;
  }
}

export interface RecordsReport {
  simulator: string;
  effects_total: number;
  effects_dropped: number;
  summary: Partial<Record<EffectKind, { count: number; amount: string }>>;
  keys_seen_more_than_once: number;
  keys_with_second_effect: KeyRecord[];
  keys: KeyRecord[];
  effects: Effect[];
}

assert(effectKinds.length === new Set(effectKinds).size, 'effect kinds are distinct');
