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

  it('are flags node itself accepts', () => {
    for (const flag of nodeFlags) expect(process.allowedNodeEnvironmentFlags.has(flag.split('=')[0]!)).toBe(true);
  });
});
