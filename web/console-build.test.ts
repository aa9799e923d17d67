/**
 * The console's bundle as the server serves it: built in memory, each file
 * named by its content's hash, self-contained, with the size printed (the
 * console has no budget of the payer's kind, but its weight is seen).
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildConsoleAssets, describeConsoleSize, type ConsoleAssets } from './console-build.ts';

let assets: ConsoleAssets;

beforeAll(async () => {
  assets = await buildConsoleAssets();
}, 120_000);

describe('buildConsoleAssets', () => {
  it('builds one JavaScript and one CSS file, each named by the hash of its content', () => {
    console.log(describeConsoleSize(assets));
    expect(assets.entry.js).toMatch(/^console\.[0-9a-f]{8}\.js$/);
    expect(assets.entry.css).toMatch(/^console\.[0-9a-f]{8}\.css$/);
    expect([...assets.files.keys()].sort()).toEqual([assets.entry.css, assets.entry.js].sort());
    for (const [name, asset] of assets.files) {
      expect(name).toContain(`.${createHash('sha256').update(asset.body).digest('hex').slice(0, 8)}.`);
      expect(gunzipSync(asset.gzip).equals(asset.body)).toBe(true);
    }
    expect(assets.gzippedBytes).toBe([...assets.files.values()].reduce((sum, asset) => sum + asset.gzip.length, 0));
  });

  it('is built for production and loads nothing from another origin', () => {
    const js = assets.files.get(assets.entry.js)!.body.toString('utf8');
    // React's development build warns in the console and is several times slower.
    expect(js).not.toContain('react-dom.development');
    expect(js).not.toMatch(/import\s*\(\s*["']https?:/);
    expect(js).not.toMatch(/from\s*["']https?:/);
  });
});
