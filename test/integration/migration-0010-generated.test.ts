/**
 * Migration 0010 writes its hourly and daily twins (tables and the upserts
 * that keep them) with one function per kind. A database migrated up to it
 * has exactly the schema a database gets from the statements as they were written
 * out by hand (test/fixtures/migration-0010-hand-written.sql), both made on the
 * same server: PostgreSQL prints views and functions back differently by version.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { migrateUpTo } from '../../src/store/migrate.ts';
import { schemaSnapshot, type SchemaSnapshot } from '../support/schema-snapshot.ts';

const run = randomBytes(4).toString('hex');
const generatedName = `pp_e_m0010_gen_${run}`;
const handWrittenName = `pp_e_m0010_hand_${run}`;
let generated: DatabaseHandle;
let handWritten: DatabaseHandle;

async function onServer(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('databaseUrl') });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function open(name: string): DatabaseHandle {
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${name}`;
  return openDatabase(url.toString(), { poolSize: 2 });
}

beforeAll(async () => {
  await onServer(`create database ${generatedName}`);
  await onServer(`create database ${handWrittenName}`);
  generated = open(generatedName);
  handWritten = open(handWrittenName);
}, 60_000);

afterAll(async () => {
  await generated?.close();
  await handWritten?.close();
  await onServer(`drop database if exists ${generatedName} with (force)`);
  await onServer(`drop database if exists ${handWrittenName} with (force)`);
});

describe('migration 0010', () => {
  it('makes the schema the hand-written statements made', async () => {
    await migrateUpTo(generated.db, '0010_analytics_rollups');
    await migrateUpTo(handWritten.db, '0009_funnel_events');
    await sql.raw(await readFile(new URL('../fixtures/migration-0010-hand-written.sql', import.meta.url), 'utf8')).execute(handWritten.db);
    const expected = await schemaSnapshot(handWritten.db);
    const actual = await schemaSnapshot(generated.db);
    for (const part of Object.keys(expected) as (keyof SchemaSnapshot)[]) expect(actual[part], part).toEqual(expected[part]);
  }, 120_000);
});
