/**
 * Migration 0010 writes its hourly and daily twins (tables and the upserts
 * that keep them) with one function per kind. A database migrated up to it
 * has exactly the schema it had when every statement was written out by hand:
 * test/fixtures/schema-after-0010.json, taken from that version.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { migrateUpTo } from '../../src/store/migrate.ts';
import { schemaSnapshot, type SchemaSnapshot } from '../support/schema-snapshot.ts';

const databaseName = `pp_e_m0010_${randomBytes(4).toString('hex')}`;
let handle: DatabaseHandle;

async function onServer(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('databaseUrl') });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await onServer(`create database ${databaseName}`);
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${databaseName}`;
  handle = openDatabase(url.toString(), { poolSize: 2 });
}, 60_000);

afterAll(async () => {
  await handle?.close();
  await onServer(`drop database if exists ${databaseName} with (force)`);
});

describe('migration 0010', () => {
  it('makes the schema the hand-written statements made', async () => {
    await migrateUpTo(handle.db, '0010_analytics_rollups');
    const expected = JSON.parse(await readFile(new URL('../fixtures/schema-after-0010.json', import.meta.url), 'utf8')) as SchemaSnapshot;
    const actual = await schemaSnapshot(handle.db);
    for (const part of Object.keys(expected) as (keyof SchemaSnapshot)[]) expect(actual[part], part).toEqual(expected[part]);
  }, 120_000);
});
