import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from './journal.ts';
import { SimulatorStore, jsonCodec, touch } from './store.ts';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});
function file(): string {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'journal-'));
  directories.push(directory);
  return path.join(directory, 'sim.jsonl');
}

describe('the simulators journal', () => {
  it('replays puts and deletes, the last write winning, ids holding the separator included', () => {
    const at = file();
    const journal = Journal.open(at);
    journal.put('order', 'a', { n: 1 });
    journal.put('order', 'acct\u0000key', { n: 2 });
    journal.put('order', 'a', { n: 3 });
    journal.put('order', 'gone', { n: 4 });
    journal.delete('order', 'gone');
    journal.close();
    const reopened = Journal.open(at);
    expect([...reopened.read('order')]).toEqual([
      ['acct\u0000key', { n: 2 }],
      ['a', { n: 3 }],
    ]);
    reopened.close();
    // Reopening compacted it: once more, the same objects.
    expect([...Journal.open(at).read('order').keys()]).toEqual(['acct\u0000key', 'a']);
  });

  it('drops a last line torn by a crash, and refuses a damaged one in the middle', () => {
    const at = file();
    const journal = Journal.open(at);
    journal.put('order', 'a', { n: 1 });
    journal.close();
    appendFileSync(at, '{"k":"order","i":"b","v":{"n"');
    expect([...Journal.open(at).read('order').keys()]).toEqual(['a']);
    appendFileSync(at, 'not json\n{"k":"order","i":"c","v":{}}\n');
    expect(() => Journal.open(at)).toThrow(/damaged/);
  });

  it('stays bounded: rewriting one object many times compacts the file', () => {
    const at = file();
    const journal = Journal.open(at);
    for (let i = 0; i < 30_000; i += 1) {
      journal.put('counter', 'only', { i });
      if (i % 100 === 0) journal.flush();
    }
    journal.close();
    expect(statSync(at).size).toBeLessThan(2_000_000);
    expect(Journal.open(at).read('counter').get('only')).toEqual({ i: 29_999 });
  });

  it('keeps what a map changed in place after a read, and what is marked by touch', () => {
    const at = file();
    const store = SimulatorStore.open(path.dirname(at), 'store');
    const orders = store.map('order', jsonCodec<{ status: string }>());
    orders.set('o1', { status: 'new' });
    orders.set('o2', { status: 'new' });
    store.flush();
    (orders.get('o1') as { status: string }).status = 'paid';
    const held = [...orders.values()][1] as { status: string };
    held.status = 'closed';
    touch(orders, 'o2');
    store.close();
    const lines = readFileSync(path.join(path.dirname(at), 'store.jsonl'), 'utf8');
    expect(lines).toContain('"paid"');
    const again = SimulatorStore.open(path.dirname(at), 'store').map('order', jsonCodec<{ status: string }>());
    expect(Object.fromEntries(again)).toEqual({ o1: { status: 'paid' }, o2: { status: 'closed' } });
  });
});
