/**
 * The chaos run's child processes: `paypilot serve`, `paypilot worker` and
 * `paypilot simulators`, each started from src/cli.ts with the run's
 * environment, its output kept in a log file, killed with SIGKILL and
 * started again on demand. Everything listens on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const cli = path.resolve(import.meta.dirname, '../../src/cli.ts');
/** Generous: on a loaded 2-core machine a start takes tens of seconds. */
const readyTimeoutMs = 180_000;

export interface Managed {
  name: string;
  /** Kills it at once (SIGKILL), as a crash or an OOM killer would. */
  kill(): Promise<void>;
  /** Starts it (again) and waits until it is ready. */
  start(): Promise<void>;
  /** Stops it for good: SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
  running(): boolean;
  starts: number;
}

export interface ManagedOptions {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  logDir: string;
  /** Resolves when the process is ready, given what it printed so far. */
  ready: (output: string) => Promise<boolean> | boolean;
}

export function managed(options: ManagedOptions): Managed {
  let child: ChildProcess | null = null;
  const log: WriteStream = createWriteStream(path.join(options.logDir, `${options.name}.log`), { flags: 'a' });
  const exited = (process: ChildProcess) =>
    process.exitCode !== null || process.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => process.once('exit', () => resolve()));
  const self: Managed = {
    name: options.name,
    starts: 0,
    running: () => child !== null && child.exitCode === null && child.signalCode === null,
    async start() {
      self.starts += 1;
      log.write(`\n=== start ${self.starts} at ${new Date().toISOString()}\n`);
      const started = spawn(process.execPath, [cli, ...options.args], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      let output = '';
      const take = (chunk: Buffer) => {
        log.write(chunk);
        if (output.length < 100_000) output += chunk.toString();
      };
      started.stdout?.on('data', take);
      started.stderr?.on('data', take);
      const deadline = Date.now() + readyTimeoutMs;
      while (!(await options.ready(output))) {
        if (started.exitCode !== null || Date.now() > deadline) {
          started.kill('SIGKILL'); // never left running behind a start that failed
          throw new Error(`${options.name} did not come up:\n${output.slice(-2000)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async kill() {
      const current = child;
      if (current === null) return;
      log.write(`\n=== SIGKILL at ${new Date().toISOString()}\n`);
      current.kill('SIGKILL');
      await exited(current);
      child = null;
    },
    async stop() {
      const current = child;
      if (current === null) return;
      current.kill('SIGTERM');
      const timer = setTimeout(() => current.kill('SIGKILL'), 15_000);
      await exited(current);
      clearTimeout(timer);
      child = null;
      await new Promise<void>((resolve) => log.end(() => resolve()));
    },
  };
  return self;
}

/** Runs a paypilot command to its end; answers its exit code and output. */
export async function runCommand(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  return { code, output };
}

/** True once something accepts connections on the port. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Ports below the kernel's ephemeral range, so a node killed and started again finds its port free (test/support/ports.ts). */
export { freePortRun } from '../support/ports.ts';
