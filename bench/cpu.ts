/**
 * Where the CPU went during a measurement window: this process (the load
 * generator, or the reference's Node client), the API server child (and
 * pgbench, when it runs the reference), the PostgreSQL backends serving
 * either, and the whole machine. PostgreSQL
 * backends are read from /proc, so they are counted only when the database
 * runs on this machine and Linux exposes them; otherwise that column is n/a.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';

/** Linux reports process times in clock ticks of 1/100 s on every common platform. */
const clockTicksPerSecond = 100;

export interface CpuSample {
  benchMicros: number;
  /** CPU of each child process by name (µs); null for one not running in this phase. */
  childrenMicros: Record<string, number | null>;
  /** Backend pid → CPU ms so far; null when /proc cannot be read for them. */
  backendsMs: Map<number, number> | null;
  machineBusyMs: number;
  machineTotalMs: number;
}

export interface CpuUse {
  benchMs: number;
  childrenMs: Record<string, number | null>;
  postgresMs: number | null;
  machineBusyMs: number;
  machineTotalMs: number;
}

export async function sampleCpu(childrenMicros: Record<string, number | null>, backendPids: number[]): Promise<CpuSample> {
  const bench = process.cpuUsage();
  const machine = machineTimes();
  return {
    benchMicros: bench.user + bench.system,
    childrenMicros,
    backendsMs: await readProcessesMs(backendPids),
    machineBusyMs: machine.busyMs,
    machineTotalMs: machine.totalMs,
  };
}

export function cpuBetween(start: CpuSample, end: CpuSample): CpuUse {
  let postgresMs: number | null = null;
  if (start.backendsMs && end.backendsMs) {
    postgresMs = 0;
    // A backend that started inside the window counts from zero.
    for (const [pid, ms] of end.backendsMs) postgresMs += ms - (start.backendsMs.get(pid) ?? 0);
  }
  const childrenMs: Record<string, number | null> = {};
  for (const [name, endMicros] of Object.entries(end.childrenMicros)) {
    const startMicros = start.childrenMicros[name];
    childrenMs[name] = endMicros === null || startMicros === null || startMicros === undefined ? null : (endMicros - startMicros) / 1000;
  }
  return {
    benchMs: (end.benchMicros - start.benchMicros) / 1000,
    childrenMs,
    postgresMs,
    machineBusyMs: end.machineBusyMs - start.machineBusyMs,
    machineTotalMs: end.machineTotalMs - start.machineTotalMs,
  };
}

export function addCpuUse(a: CpuUse, b: CpuUse): CpuUse {
  const add = (x: number | null | undefined, y: number | null | undefined) => (x === null || x === undefined || y === null || y === undefined ? null : x + y);
  const childrenMs: Record<string, number | null> = {};
  for (const name of new Set([...Object.keys(a.childrenMs), ...Object.keys(b.childrenMs)])) childrenMs[name] = add(a.childrenMs[name], b.childrenMs[name]);
  return {
    benchMs: a.benchMs + b.benchMs,
    childrenMs,
    postgresMs: add(a.postgresMs, b.postgresMs),
    machineBusyMs: a.machineBusyMs + b.machineBusyMs,
    machineTotalMs: a.machineTotalMs + b.machineTotalMs,
  };
}

/** The share of the machine busy over `ms`, before the bench loads it: other work that will compete. */
export async function machineBusyShare(ms: number): Promise<number> {
  const before = machineTimes();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineTimes();
  return (after.busyMs - before.busyMs) / Math.max(1, after.totalMs - before.totalMs);
}

function machineTimes(): { busyMs: number; totalMs: number } {
  let busyMs = 0;
  let totalMs = 0;
  for (const cpu of os.cpus()) {
    const { user, nice, sys, idle, irq } = cpu.times;
    busyMs += user + nice + sys + irq;
    totalMs += user + nice + sys + idle + irq;
  }
  return { busyMs, totalMs };
}

async function readProcessesMs(pids: number[]): Promise<Map<number, number> | null> {
  if (process.platform !== 'linux' || pids.length === 0) return null;
  const result = new Map<number, number>();
  await Promise.all(
    pids.map(async (pid) => {
      const ms = await readProcessMs(pid, 'postgres');
      if (ms !== null) result.set(pid, ms);
    }),
  );
  return result.size > 0 ? result : null;
}

/**
 * utime + stime of /proc/<pid>/stat (fields 14 and 15; the name in parentheses
 * may hold spaces), all threads included. Only a process of the expected name
 * counts: a database in another container reports pids that mean something
 * else here.
 */
export async function readProcessMs(pid: number, name: string): Promise<number | null> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    if (!text.includes(`(${name})`)) return null;
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / clockTicksPerSecond : null;
  } catch {
    return null;
  }
}
