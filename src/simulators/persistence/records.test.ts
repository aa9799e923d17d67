import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../domain/clock.ts';
import { SimulatorRecords } from './records.ts';
import { SimulatorStore } from './store.ts';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe("a simulator's records", () => {
  it('flags a key that caused the same effect twice, but not a notification sent again', () => {
    const records = new SimulatorRecords('card', SimulatorStore.open(undefined, 'card'), new ManualClock());
    records.sawKey('idempotency_key', 'k1');
    records.effect({ kind: 'captured', keyKind: 'idempotency_key', key: 'k1', amount: 100n, currency: 'CNY' });
    records.sawKey('idempotency_key', 'k1');
    records.effect({ kind: 'notified', keyKind: 'idempotency_key', key: 'k1' });
    records.effect({ kind: 'notified', keyKind: 'idempotency_key', key: 'k1' });
    expect(records.report().keys_with_second_effect).toEqual([]);
    records.effect({ kind: 'captured', keyKind: 'idempotency_key', key: 'k1', amount: 100n, currency: 'CNY' });
    const report = records.report();
    expect(report.keys_with_second_effect).toEqual([
      { key_kind: 'idempotency_key', key: 'k1', seen: 2, effects: { captured: 2, notified: 2 }, second_effects: 1 },
    ]);
    expect(report.summary.captured).toEqual({ count: 2, amount: '200' });
    expect(report.keys_seen_more_than_once).toBe(1);
  });

  it('survive a restart when kept in a store', () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'records-'));
    directories.push(directory);
    const store = SimulatorStore.open(directory, 'card');
    const records = new SimulatorRecords('card', store, new ManualClock());
    records.sawKey('idempotency_key', 'k1');
    records.effect({ kind: 'refunded', keyKind: 'idempotency_key', key: 'k1', amount: 5, currency: 'CNY' });
    store.close();
    const again = new SimulatorRecords('card', SimulatorStore.open(directory, 'card'), new ManualClock()).report();
    expect(again.effects_total).toBe(1);
    expect(again.keys).toEqual([{ key_kind: 'idempotency_key', key: 'k1', seen: 1, effects: { refunded: 1 }, second_effects: 0 }]);
  });
});
