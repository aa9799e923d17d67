/**
 * The bench's side of bench/server.ts: fork a part (the API, the card
 * acquirer simulator), wait for it to listen, ask it for snapshots (its CPU,
 * the statements its pool sent, its memory and event-loop delay) and stop it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { nodeFlags } from '../src/config/node-flags.ts';
import type { ParentMessage, ServerMessage, ServerRole } from './server.ts';

const serverReadyTimeoutMs = 60_000;
const stopKillAfterMs = 10_000;

export type ServerSnapshot = Omit<Extract<ServerMessage, { type: 'snapshot' }>, 'type' | 'id'>;

export interface ServerChild {
  url: string;
  poolSize: number | null;
  /** `reset`: the peak memory and longest event-loop delay start again after this snapshot. */
  snapshot(reset?: boolean): Promise<ServerSnapshot>;
  stop(): Promise<void>;
}

/** Starts `bench/server.ts <role>` and waits for it to listen. */
export async function startServerChild(role: ServerRole, env: Record<string, string>, profileDir: string | null): Promise<ServerChild> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), [role], {
    env: { ...process.env, ...env },
    // Run as production runs it (src/config/node-flags.ts): the figures include its memory settings.
    execArgv: [...process.execArgv, ...nodeFlags, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.send({ type: 'stop' } satisfies ParentMessage);
    else child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), stopKillAfterMs);
    await exited;
    clearTimeout(killer);
  };
  try {
    const ready = await new Promise<Extract<ServerMessage, { type: 'ready' }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench: the ${role} server did not start in time`)), serverReadyTimeoutMs);
      child.on('message', (message: ServerMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message);
        }
      });
      void exited.then(([code]) => {
        clearTimeout(timer);
        reject(new Error(`bench: the ${role} server exited (code ${String(code)}) before it was ready`));
      });
    });
    let nextId = 0;
    const snapshot = (reset = false) =>
      new Promise<ServerSnapshot>((resolve, reject) => {
        const id = (nextId += 1);
        const onMessage = (message: ServerMessage) => {
          if (message.type !== 'snapshot' || message.id !== id) return;
          child.off('message', onMessage);
          const { type: _type, id: _id, ...rest } = message;
          resolve(rest);
        };
        if (!child.connected) return reject(new Error(`bench: the ${role} server is gone`));
        child.on('message', onMessage);
        child.send({ type: 'snapshot', id, reset } satisfies ParentMessage);
      });
    return { url: ready.url, poolSize: ready.poolSize, snapshot, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
