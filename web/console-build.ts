/**
 * Builds the merchant console (web/console, React and Ant Design) into one
 * JavaScript file, in memory, named by a hash of its content so the server
 * may cache it forever, as web/build.ts does for the payer pages. The
 * console has no budget of the payer's kind (members sit at a desk, and the
 * file is cached after the first visit), but its size is printed so it is
 * seen: `node web/console-build.ts`.
 *
 * Ant Design styles itself at run time (CSS-in-JS); the page's
 * Content-Security-Policy allows those style elements by a nonce, never
 * inline scripts.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import { build } from 'esbuild';
import type { WebAsset } from './build.ts';

export interface ConsoleAssets {
  files: Map<string, WebAsset>;
  entry: { js: string; css: string };
  rawBytes: number;
  gzippedBytes: number;
}

const webDir = path.dirname(fileURLToPath(import.meta.url));
const nameHashLength = 8;
const contentTypes = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' } as const;

export async function buildConsoleAssets(): Promise<ConsoleAssets> {
  const result = await build({
    entryPoints: [
      { in: path.join(webDir, 'console', 'main.tsx'), out: 'console' },
      { in: path.join(webDir, 'console', 'console.css'), out: 'console' },
    ],
    outdir: path.join(webDir, 'dist'),
    write: false,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    charset: 'utf8',
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    external: [],
  });
  const files = new Map<string, WebAsset>();
  const entry: { js: string | null; css: string | null } = { js: null, css: null };
  let rawBytes = 0;
  let gzippedBytes = 0;
  for (const output of result.outputFiles) {
    const extension = path.extname(output.path).slice(1);
    if ((extension !== 'js' && extension !== 'css') || entry[extension] !== null) throw new Error(`unexpected console build output ${output.path}`);
    const body = Buffer.from(output.contents);
    const hash = createHash('sha256').update(body).digest('hex').slice(0, nameHashLength);
    const name = `console.${hash}.${extension}`;
    const gzip = gzipSync(body, { level: zlibConstants.Z_BEST_COMPRESSION });
    files.set(name, { body, gzip, contentType: contentTypes[extension] });
    entry[extension] = name;
    rawBytes += body.length;
    gzippedBytes += gzip.length;
  }
  if (entry.js === null || entry.css === null) throw new Error('the console build produced no JavaScript or no CSS');
  return { files, entry: { js: entry.js, css: entry.css }, rawBytes, gzippedBytes };
}

export function describeConsoleSize(assets: ConsoleAssets): string {
  return `console bundle ${assets.entry.js} + ${assets.entry.css}: ${(assets.rawBytes / 1024).toFixed(0)} KiB raw, ${(assets.gzippedBytes / 1024).toFixed(0)} KiB gzipped`;
}

if (import.meta.main) {
  try {
    console.log(describeConsoleSize(await buildConsoleAssets()));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
