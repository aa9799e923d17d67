/**
 * Builds the payer pages (web/checkout) into one JavaScript and one CSS file,
 * in memory, each named by a hash of its content so the server may cache it
 * forever. The server calls buildWebAssets() once at start; `node web/build.ts`
 * prints the sizes and exits 1 when the bundle is over budget.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import { build } from 'esbuild';

/** What the payer downloads (JS + CSS, gzipped) on a phone before the page works. */
export const webBudgetGzipBytes = 60 * 1024;

export interface WebAsset {
  body: Buffer;
  gzip: Buffer;
  contentType: string;
}

export interface WebAssets {
  files: Map<string, WebAsset>;
  entry: { js: string; css: string };
  gzippedBytes: number;
}

const webDir = path.dirname(fileURLToPath(import.meta.url));
const checkoutDir = path.join(webDir, 'checkout');
/** Hex digits of the SHA-256 in a file name: enough to tell versions apart. */
const nameHashLength = 8;

const contentTypes = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' } as const;

export async function buildWebAssets(): Promise<WebAssets> {
  const result = await build({
    entryPoints: [
      { in: path.join(checkoutDir, 'main.ts'), out: 'checkout' },
      { in: path.join(checkoutDir, 'styles.css'), out: 'checkout' },
    ],
    outdir: path.join(webDir, 'dist'),
    write: false,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    charset: 'utf8',
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'silent',
    // The bundle is self-contained: nothing may be left for the browser to fetch from elsewhere.
    external: [],
  });
  const files = new Map<string, WebAsset>();
  const entry: { js: string | null; css: string | null } = { js: null, css: null };
  let gzippedBytes = 0;
  for (const output of result.outputFiles) {
    const extension = path.extname(output.path).slice(1);
    if (extension !== 'js' && extension !== 'css') throw new Error(`unexpected build output ${output.path}`);
    if (entry[extension] !== null) throw new Error(`more than one ${extension} output: ${output.path}`);
    const body = Buffer.from(output.contents);
    const hash = createHash('sha256').update(body).digest('hex').slice(0, nameHashLength);
    const name = `checkout.${hash}.${extension}`;
    const gzip = gzipSync(body, { level: zlibConstants.Z_BEST_COMPRESSION });
    files.set(name, { body, gzip, contentType: contentTypes[extension] });
    entry[extension] = name;
    gzippedBytes += gzip.length;
  }
  if (entry.js === null || entry.css === null) throw new Error('the build produced no JavaScript or no CSS');
  if (gzippedBytes > webBudgetGzipBytes) {
    throw new Error(`the payer pages weigh ${gzippedBytes} bytes gzipped, over the budget of ${webBudgetGzipBytes}`);
  }
  return { files, entry: { js: entry.js, css: entry.css }, gzippedBytes };
}

/** Sizes as a table; shared by the command line and the build test. */
export function describeSizes(assets: WebAssets): string {
  const lines = [...assets.files].map(([name, asset]) => `${name.padEnd(28)} ${String(asset.body.length).padStart(8)} B raw ${String(asset.gzip.length).padStart(8)} B gzipped`);
  lines.push(`total gzipped ${assets.gzippedBytes} B of a ${webBudgetGzipBytes} B budget (${((assets.gzippedBytes / webBudgetGzipBytes) * 100).toFixed(1)} %)`);
  return lines.join('\n');
}

if (import.meta.main) {
  try {
    const assets = await buildWebAssets();
    console.log(describeSizes(assets));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
