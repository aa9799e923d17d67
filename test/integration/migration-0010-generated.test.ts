/**
 * Migration 0010 writes its hourly and daily twins (tables and the upserts
 * that keep them) with one function per kind. A database migrated up to it
 * has exactly the schema a database gets from the statements as they were written
 * out by hand (test/fixtures/migration-0010-hand-written.sql), both made on the
 * same server: PostgreSQL prints views and functions back differently by version.
 */
import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { migrateUpTo } from '../../src/store/migrate.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database.ts';
import { schemaSnapshot, type SchemaSnapshot } from '../support/schema-snapshot.ts';

let generatedScratch: ScratchDatabase;
let handWrittenScratch: ScratchDatabase;
let generated: DatabaseHandle;
let handWritten: DatabaseHandle;

beforeAll(async () => {
  generatedScratch = await createScratchDatabase('pp_e_m0010_gen');
  handWrittenScratch = await createScratchDatabase('pp_e_m0010_hand');
  generated = openDatabase(generatedScratch.url, { poolSize: 2 });
  handWritten = openDatabase(handWrittenScratch.url, { poolSize: 2 });
}, 60_000);

afterAll(async () => {
  await generated?.close();
  await handWritten?.close();
  await generatedScratch?.drop();
  await handWrittenScratch?.drop();
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
