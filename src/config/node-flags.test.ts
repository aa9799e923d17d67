import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeFlags } from './node-flags.ts';

const root = new URL('../../', import.meta.url);

describe('the Node.js flags', () => {
  it('are the ones every npm script that starts Paypilot passes to node', () => {
    const scripts = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['start', 'paypilot', 'cluster']) {
      expect(scripts[name], name).toBe(`node ${nodeFlags.join(' ')} src/cli.ts${name === 'paypilot' ? '' : ` ${name}`}`);
    }
  });

  it("are the Dockerfile's entrypoint's", () => {
    const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
    expect(dockerfile).toContain(`ENTRYPOINT [${['node', ...nodeFlags, 'bin/paypilot.js'].map((word) => JSON.stringify(word)).join(', ')}]`);
  });

  it('are flags node itself accepts on its command line', () => {
    // Node stops with "bad option" (status 9) on a flag neither it nor V8 knows, as a V8 upgrade could make one.
    const run = spawnSync(process.execPath, [...nodeFlags, '-e', 'process.stdout.write("ran")'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('ran');
    const unknown = spawnSync(process.execPath, ['--heap-growing-percentage=50', '-e', ''], { encoding: 'utf8' });
    expect(unknown.status).not.toBe(0);
  });
});
