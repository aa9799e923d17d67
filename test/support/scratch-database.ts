/**
 * A database of its own on the test run's PostgreSQL server, for a test that
 * needs a schema no other file shares: empty, migrated part of the way, or
 * restored into. Created empty; `drop()` removes it, connections and all.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export interface ScratchDatabase {
  name: string;
  /** The server's URL with this database's name. */
  url: string;
  drop(): Promise<void>;
}

/** Runs one statement on the server (through its own connection to the run's database). */
export async function onServer(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('databaseUrl') });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** `prefix` names the test (letters, digits, `_`); a random part keeps concurrent runs apart. */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  if (!/^[a-z][a-z0-9_]*$/.test(prefix)) throw new Error(`a scratch database's prefix is lower-case letters, digits and _: ${prefix}`);
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await onServer(`create database ${name}`);
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => onServer(`drop database if exists ${name} with (force)`) };
}
