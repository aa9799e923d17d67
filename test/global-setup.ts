/**
 * One PostgreSQL for the whole test run: the machine's own when DATABASE_URL
 * is set (CI runs the integration tests that way too), otherwise an embedded
 * server in a temporary directory, removed afterwards. Migrations run once
 * here; every test creates its own merchant, so test files never share rows.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/store/database.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/store/embedded-postgres.ts';
import { prepareDatabase } from '../src/runtime.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

let embedded: EmbeddedDatabase | null = null;
let embeddedDir: string | null = null;

export async function setup(project: TestProject): Promise<void> {
  let url = process.env.DATABASE_URL;
  if (!url) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'paypilot-test-'));
    embeddedDir = dataDir;
    embedded = await startEmbeddedPostgres(dataDir, { persistent: false });
    url = embedded.url;
  }
  const handle = openDatabase(url, { poolSize: 2 });
  try {
    await prepareDatabase(handle);
  } finally {
    await handle.close();
  }
  project.provide('databaseUrl', url);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
  if (embeddedDir) await rm(embeddedDir, { recursive: true, force: true });
}
