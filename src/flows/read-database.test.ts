import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PaymentError } from '../domain/errors.ts';
import { replicaUnavailable } from './read-database.ts';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('which replica errors send a read to the primary', () => {
  it('falls back when the replica cannot answer: no connection, shutting down, or a query canceled by replay', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '08006', '57P01', '57P03', '40001']) expect(replicaUnavailable(withCode(code)), code).toBe(true);
    expect(replicaUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(replicaUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('never hides a write sent to the replica (25006), a query error, or an operating error', () => {
    expect(replicaUnavailable(withCode('25006', 'cannot execute UPDATE in a read-only transaction'))).toBe(false);
    expect(replicaUnavailable(withCode('42P01', 'relation does not exist'))).toBe(false);
    expect(replicaUnavailable(new PaymentError('resource_missing', { param: 'id' }))).toBe(false);
    expect(replicaUnavailable('not an error')).toBe(false);
  });
});

describe('the replica is reached only through onReadDatabase', () => {
  it('no use case takes context.readDb itself: only the composition root and read-database.ts name it', () => {
    const src = path.resolve(import.meta.dirname, '..');
    const naming = (readdirSync(src, { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .filter((file) => /\breadDb\b/.test(readFileSync(path.join(src, file), 'utf8')))
      .sort();
    // context.ts declares it, runtime.ts and cli/start.ts fill it, store/replica.ts reads the replay position through it.
    expect(naming).toEqual(['cli/start.ts', 'flows/context.ts', 'flows/read-database.ts', 'runtime.ts', 'store/replica.ts']);
  });
});
