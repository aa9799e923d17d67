/**
 * Reads a V8 .cpuprofile (from `node --cpu-prof`) and prints where the busy
 * time went: by area (a package, a folder of src/, Node's internals, the
 * garbage collector) and by function, self time only, idle left out.
 *
 * Shares are of samples, not of the time between them: when the process
 * waits for a CPU (2 cores, several busy processes), the next sample carries
 * that wait, and it lands on whatever ran just before the wait — usually the
 * socket write that woke the process on the other side. Counting samples
 * leaves that wait out, so the shares approximate CPU time.
 *
 *   node bench/profile-summary.ts path/to/file.cpuprofile
 *
 * `npm run bench -- --profile` profiles the API server child and prints this.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export async function summarizeProfile(file: string, rows = 25): Promise<string> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfSamples = new Map<number, number>();
  for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);

  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busySamples = 0;
  for (const [id, samples] of selfSamples) {
    const frame = nodes.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    busySamples += samples;
    const area = areaOf(frame.url, frame.functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + samples);
    const name = `${frame.functionName || '(anonymous)'}  ${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + samples);
  }
  const table = (entries: Map<string, number>, limit: number) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, samples]) => `  ${((100 * samples) / busySamples).toFixed(1).padStart(5)}%  ${String(samples).padStart(7)}  ${name}`)
      .join('\n');
  const writev = [...byFunction].filter(([name]) => name.startsWith('writev ')).reduce((sum, [, samples]) => sum + samples, 0);
  const writevNote =
    writev / busySamples > 0.1
      ? `note: ${((100 * writev) / busySamples).toFixed(0)}% of samples are in writev (socket writes). Most of those mark where the process lost its core after waking the process it wrote to, not CPU spent writing; compare the CPU table, and read the other rows as shares of the rest.`
      : null;
  return [
    `${busySamples} busy samples (self, idle excluded) in ${path.basename(file)}; share of samples, then samples:`,
    'by area:',
    table(byArea, 20),
    'by function:',
    table(byFunction, rows),
    ...(writevNote ? [writevNote] : []),
  ].join('\n');
}

function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1] ?? url;
  const source = /\/(src|bench)\/([^/]+)/.exec(url);
  if (source) return `${source[1]}/${source[2]}`;
  // node:internal/deps/undici/undici → node:internal/deps/undici (fetch); node:internal/streams/writable → node:internal/streams.
  if (url.startsWith('node:internal/deps/')) return url.split('/').slice(0, 3).join('/');
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url;
}

function shortUrl(url: string): string {
  const index = url.search(/node_modules\/|\/src\/|\/bench\//);
  return index >= 0 ? url.slice(index + (url[index] === '/' ? 1 : 0)) : url;
}

if (import.meta.main) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/profile-summary.ts FILE.cpuprofile');
    process.exitCode = 2;
  } else {
    console.log(await summarizeProfile(file));
  }
}
