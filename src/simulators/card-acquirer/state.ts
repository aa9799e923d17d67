/**
 * The simulated acquirer's memory: authorizations, refunds, stored
 * idempotent answers and counters. Everything is scoped to the account (the
 * API key), as a real acquirer scopes objects and idempotency keys.
 */
import { assert } from '../../domain/assert.ts';
import { systemClock, type Clock, type RandomSource } from '../../domain/clock.ts';
import { SimulatorRecords } from '../persistence/records.ts';
import { jsonCodec, SimulatorStore } from '../persistence/store.ts';
import type { WireAuthorization, WireRefund } from '../../connectors/card/wire.ts';
import type { ApiResponse } from './responses.ts';

export interface CardAcquirerStats {
  authorizations_created: number;
  /** Successful calls of the capture endpoint (manual captures). */
  captures: number;
  /** Authorizations that ended captured, whichever way they got there. */
  charges_succeeded: number;
  refunds_succeeded: number;
  /** Every /v1 request received, failed ones included. */
  requests: number;
}

export interface AuthorizationRecord {
  account: string;
  /** The object as the API shows it; mutated in place as the authorization moves on. */
  wire: WireAuthorization;
  capture: boolean;
  otpAttemptsRemaining: number;
  /** Append-only; what was refunded is their sum, never a counter. */
  refunds: WireRefund[];
}

/** A stored answer, or null while its first request is still being processed. */
export interface IdempotencyRecord {
  fingerprint: string;
  response: ApiResponse | null;
}

export interface AcquirerState {
  authorizations: Map<string, AuthorizationRecord>;
  /** Keyed by `scopedKey(account, idempotency key)`. */
  authorizationsByKey: Map<string, AuthorizationRecord>;
  refunds: Map<string, { account: string; wire: WireRefund }>;
  refundsByKey: Map<string, { account: string; wire: WireRefund }>;
  idempotency: Map<string, IdempotencyRecord>;
  stats: CardAcquirerStats;
  /** What the acquirer did, for /_control/records. */
  records: SimulatorRecords;
}

/**
 * A fresh state, or (with a store that has a journal) the state kept there:
 * authorizations (with their refunds) and stored answers are kept, and the
 * indexes by key and the refunds are rebuilt from them.
 */
export function newState(store: SimulatorStore = SimulatorStore.open(undefined, 'card-acquirer'), clock: Clock = systemClock): AcquirerState {
  const state: AcquirerState = {
    authorizations: store.map('authorization', jsonCodec<AuthorizationRecord>()),
    authorizationsByKey: new Map(),
    refunds: new Map(),
    refundsByKey: new Map(),
    // An answer still being made is not kept: a crash then means the work never ran.
    idempotency: store.map<IdempotencyRecord>('idempotency', {
      encode: (record) => (record.response === null ? undefined : record),
      decode: (json) => json as IdempotencyRecord,
    }),
    stats: store.object<CardAcquirerStats>('stats', () => ({ authorizations_created: 0, captures: 0, charges_succeeded: 0, refunds_succeeded: 0, requests: 0 })),
    records: new SimulatorRecords('card', store, clock),
  };
  for (const record of state.authorizations.values()) {
    state.authorizationsByKey.set(scopedKey(record.account, record.wire.idempotency_key), record);
    for (const wire of record.refunds) {
      state.refunds.set(wire.id, { account: record.account, wire });
      state.refundsByKey.set(scopedKey(record.account, wire.idempotency_key), { account: record.account, wire });
    }
  }
  return state;
}

export function scopedKey(account: string, idempotencyKey: string): string {
  return `${account}\u0000${idempotencyKey}`;
}

/** `auth_` + 24 hex characters. */
export function newObjectId(prefix: 'auth' | 'rf', random: RandomSource): string {
  return `${prefix}_${random.bytes(12).toString('hex')}`;
}

export function findAuthorization(state: AcquirerState, account: string, id: string): AuthorizationRecord | null {
  const record = state.authorizations.get(id);
  return record !== undefined && record.account === account ? record : null;
}

export function refundedAmount(record: AuthorizationRecord): number {
  return record.refunds.filter((refund) => refund.status === 'succeeded').reduce((sum, refund) => sum + refund.amount, 0);
}

/** A copy, so a stored answer keeps showing the state it was given in. */
export function authorizationJson(record: AuthorizationRecord): WireAuthorization {
  return structuredClone(record.wire);
}

/** Checked after every change: refunded ≤ captured ≤ authorized. */
export function assertAmounts(record: AuthorizationRecord): void {
  const { amount, amount_captured: captured, status } = record.wire;
  assert(captured <= amount, `${record.wire.id}: captured more than authorized`);
  assert(refundedAmount(record) <= captured, `${record.wire.id}: refunded more than captured`);
  assert((status === 'captured') === (captured > 0), `${record.wire.id}: captured amount and status disagree`);
}
