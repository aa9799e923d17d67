/**
 * The console's build as the server serves it: split by page (an entry for
 * the sign-in pages, a chunk for the shell and one per page, shared chunks
 * between), every file named by a content hash, every file any other names
 * produced, and ECharts only with the pages that draw charts. Sizes printed.
 */
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildConsoleAssets, consoleAssetNamePattern, describeConsolePages, describeConsoleSize, type ConsoleAssets } from './console-build.ts';

let assets: ConsoleAssets;

beforeAll(async () => {
  assets = await buildConsoleAssets();
}, 120_000);

const text = (name: string) => assets.files.get(name)!.body.toString('utf8');
/** The files a file imports: `from "./x.js"` (static) and `import("./x.js")` (dynamic), as esbuild writes them. */
const importsOf = (name: string) => ({
  static: [...text(name).matchAll(/from\s*"\.\/([^"]+)"/g), ...text(name).matchAll(/import\s*"\.\/([^"]+)"/g)].map((match) => match[1]!),
  dynamic: [...text(name).matchAll(/import\(\s*"\.\/([^"]+)"\s*\)/g)].map((match) => match[1]!),
});

describe('buildConsoleAssets', () => {
  it('names every file by a hash and produces every file another one imports', () => {
    console.log(`${describeConsoleSize(assets)}\n${describeConsolePages(assets)}`);
    expect(assets.entry.js).toMatch(/^console\.[A-Z0-9]{8}\.js$/);
    expect(assets.entry.css).toMatch(/^console\.[A-Z0-9]{8}\.css$/);
    for (const [name, asset] of assets.files) {
      expect(name).toMatch(consoleAssetNamePattern);
      expect(gunzipSync(asset.gzip).equals(asset.body)).toBe(true);
      if (!name.endsWith('.js')) continue;
      const imports = importsOf(name);
      for (const imported of [...imports.static, ...imports.dynamic]) expect(assets.files.has(imported), `${name} imports ${imported}`).toBe(true);
    }
    expect(assets.gzippedBytes).toBe([...assets.files.values()].reduce((sum, asset) => sum + asset.gzip.length, 0));
  });

  it('splits by page: the entry imports the shell and each page only with import(), and preloads exactly its static imports', () => {
    const closure = new Set<string>();
    const visit = (name: string) => {
      if (closure.has(name)) return;
      closure.add(name);
      importsOf(name).static.forEach(visit);
    };
    visit(assets.entry.js);
    expect(new Set(assets.entryImports)).toEqual(new Set([...closure].filter((name) => name !== assets.entry.js)));
    expect(assets.pages.map((page) => page.page)).toEqual(
      ['account', 'after-sales', 'alerts', 'audit-log', 'cancellations', 'channels', 'coupons', 'customer-detail', 'customers', 'developers', 'experiments', 'feedback', 'loyalty', 'overview', 'payment-detail', 'payments', 'reconciliation', 'risk', 'segments', 'settings', 'support', 'team'],
    );
    for (const page of assets.pages) {
      expect(page.files.length, page.page).toBeGreaterThan(0);
      for (const file of page.files) expect(closure.has(file), `${page.page}: ${file} is in the entry`).toBe(false);
    }
    expect(assets.shell.files.every((file) => !closure.has(file))).toBe(true);
  });

  it('loads ECharts with the pages that draw, never with the sign-in, the shell or the pages without charts', () => {
    // ECharts' core names its own version check and its renderer registry; these strings survive minifying.
    const echarts = (files: Iterable<string>) => [...files].some((name) => name.endsWith('.js') && text(name).includes('ECharts'));
    expect(echarts([assets.entry.js, ...assets.entryImports])).toBe(false);
    expect(echarts(assets.shell.files)).toBe(false);
    const pages = new Map(assets.pages.map((page) => [page.page, page.files]));
    for (const page of ['overview', 'channels', 'cancellations', 'feedback']) expect(echarts(pages.get(page)!), page).toBe(true);
    for (const page of ['payments', 'team', 'audit-log', 'settings']) expect(echarts(pages.get(page)!), page).toBe(false);
  });

  it('is built for production and loads nothing from another origin', () => {
    for (const name of assets.files.keys()) {
      if (!name.endsWith('.js')) continue;
      // React's development build warns in the console and is several times slower.
      expect(text(name)).not.toContain('react-dom.development');
      expect(text(name)).not.toMatch(/import\s*\(\s*["']https?:/);
      expect(text(name)).not.toMatch(/from\s*["']https?:/);
    }
  });
});
