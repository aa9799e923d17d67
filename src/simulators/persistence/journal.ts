/**
 * A simulator's memory on disk, so that a simulator run as a process of its
 * own (`paypilot simulators --data-dir DIR`) keeps its merchants, orders,
 * charges, refunds and records across a restart or a crash.
 *
 * The file is a journal of JSON lines, each `{"k":kind,"i":id,"v":value}`
 * (a put) or `{"k":kind,"i":id}` (a delete), appended and fsync'd; at start it
 * is replayed, the last line for an object winning. A crash can tear only the
 * last line, which replay drops. When the file holds many more lines than
 * live objects it is compacted: the live objects are written to a new file,
 * fsync'd, and renamed over the old one, so its size stays bounded by what the
 * simulator remembers.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { assert } from '../../domain/assert.ts';

/** Compaction runs once the file holds this many more lines than live objects, and twice as many. */
const compactionSlackLines = 10_000;

interface Line {
  k: string;
  i: string;
  v?: unknown;
}

export class Journal {
  readonly file: string;
  /** The serialized value of every live object, by `kind\0id`: what a compaction writes, and what a put compares with. */
  private readonly live = new Map<string, string>();
  private pending: string[] = [];
  private linesInFile = 0;
  private fd: number;

  private constructor(file: string) {
    this.file = file;
    this.fd = -1;
  }

  /** Opens (creating) the journal and replays it. */
  static open(file: string): Journal {
    mkdirSync(path.dirname(file), { recursive: true });
    const journal = new Journal(file);
    if (existsSync(file)) journal.replay(readFileSync(file, 'utf8'));
    // Compacts at once: a torn last line, dropped by replay, is gone from the file too.
    journal.rewrite();
    return journal;
  }

  /** The live objects of a kind, in the order they were last written. */
  read(kind: string): Map<string, unknown> {
    const found = new Map<string, unknown>();
    const prefix = `${kind}\u0000`;
    for (const [compound, text] of this.live) {
      if (compound.startsWith(prefix)) found.set(compound.slice(prefix.length), JSON.parse(text) as unknown);
    }
    return found;
  }

  put(kind: string, id: string, value: unknown): void {
    const compound = `${kind}\u0000${id}`;
    const text = JSON.stringify(value);
    assert(text !== undefined, `${kind} ${id}: a journaled value is JSON`);
    if (this.live.get(compound) === text) return;
    // Delete first, so the map's order is the order of last writes.
    this.live.delete(compound);
    this.live.set(compound, text);
    this.pending.push(`{"k":${JSON.stringify(kind)},"i":${JSON.stringify(id)},"v":${text}}`);
  }

  delete(kind: string, id: string): void {
    const compound = `${kind}\u0000${id}`;
    if (!this.live.delete(compound)) return;
    this.pending.push(JSON.stringify({ k: kind, i: id }));
  }

  /** Forgets every object (a simulator's reset). */
  clear(): void {
    this.live.clear();
    this.pending = [];
    this.rewrite();
  }

  /** Writes what changed since the last flush and waits until it is on disk. */
  flush(): void {
    if (this.pending.length === 0) return;
    assert(this.fd >= 0, 'the journal is open');
    writeSync(this.fd, `${this.pending.join('\n')}\n`);
    fsyncSync(this.fd);
    this.linesInFile += this.pending.length;
    this.pending = [];
    if (this.linesInFile > 2 * this.live.size + compactionSlackLines) this.rewrite();
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }

  private replay(text: string): void {
    const lines = text.split('\n');
    // What follows the last newline is a line whose write a crash interrupted (or nothing).
    const torn = lines.pop() ?? '';
    for (const [index, raw] of lines.entries()) {
      if (raw === '') continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        throw new Error(`${this.file}: line ${index + 1} is not JSON; the journal is damaged`);
      }
      const compound = `${line.k}\u0000${line.i}`;
      this.live.delete(compound);
      if ('v' in line) this.live.set(compound, JSON.stringify(line.v));
    }
    if (torn !== '') console.error(`${this.file}: dropped a last line torn by a crash (${torn.length} bytes)`);
  }

  /** Writes the live objects to a new file, then renames it over the journal: a crash leaves the old or the new one whole. */
  private rewrite(): void {
    const temporary = `${this.file}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      const lines: string[] = [];
      for (const [compound, text] of this.live) {
        // Only the first separator: ids may hold one themselves (the acquirer's scoped idempotency keys do).
        const cut = compound.indexOf('\u0000');
        const kind = compound.slice(0, cut);
        const id = compound.slice(cut + 1);
        lines.push(`{"k":${JSON.stringify(kind)},"i":${JSON.stringify(id)},"v":${text}}`);
        if (lines.length === 1000) writeSync(fd, `${lines.splice(0).join('\n')}\n`);
      }
      if (lines.length > 0) writeSync(fd, `${lines.join('\n')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.file);
    syncDirectory(path.dirname(this.file));
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = openSync(this.file, 'a');
    this.linesInFile = this.live.size;
  }
}

/** Makes a rename durable. */
function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
