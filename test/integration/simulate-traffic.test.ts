/**
 * `paypilot simulate-traffic` as a merchant runs it (a child process on the
 * test database), then the history it left, read straight from the tables:
 * spread over the days asked, several channels, declines, cancellations with
 * several reasons, abandonment, refunds and ratings, one day on which one channel degrades; and
 * the same seed gives the same counts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import type { TrafficSummary } from '../../src/simulators/traffic/traffic.ts';

const run = promisify(execFile);
const endIso = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000).toISOString();
let dataDir: string;
let db: DatabaseHandle;
let first: TrafficSummary;
let second: TrafficSummary;

async function simulate(...args: string[]): Promise<TrafficSummary> {
  const { stdout } = await run(process.execPath, ['src/cli.ts', 'simulate-traffic', ...args, '--end', endIso, '--json'], {
    env: { ...process.env, DATABASE_URL: inject('databaseUrl'), PAYPILOT_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    timeout: 240_000,
    maxBuffer: 10 * 1024 * 1024,
  });
  return JSON.parse(stdout) as TrafficSummary;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'paypilot-simulate-'));
  db = openDatabase(inject('databaseUrl'), { poolSize: 2 });
  first = await simulate('--payments', '200', '--days', '3', '--seed', '1');
  second = await simulate('--payments', '200', '--days', '3', '--seed', '1');
}, 600_000);
afterAll(async () => {
  await db?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const ofRun = (summary: TrafficSummary) => sql`p.merchant_id = ${summary.merchant} and p.metadata @> ${JSON.stringify({ simulation: summary.run })}::jsonb`;

describe('simulate-traffic', () => {
  it('makes a new merchant the demo one and plays every payment through the API, with no 500', async () => {
    const demo = JSON.parse(await readFile(path.join(dataDir, 'demo.json'), 'utf8'));
    expect(first.merchant).toBe(demo.merchant_id);
    expect(second.merchant).toBe(demo.merchant_id);
    const count = await sql<{ n: string }>`select count(*)::text as n from payments p where ${ofRun(first)}`.execute(db.db);
    expect(Number(count.rows[0]?.n)).toBe(200);
    expect(first.internal_errors).toBe(0);
    expect(first.payments_per_second).toBeGreaterThan(0);
  });

  it('spreads the payments over the 3 days before --end', async () => {
    expect(first.to).toBe(endIso);
    expect(Date.parse(first.to) - Date.parse(first.from)).toBe(3 * 24 * 3_600_000);
    const days = await sql<{ day: number; n: string }>`
      select floor(extract(epoch from (p.created_at - ${new Date(first.from)}::timestamptz)) / 86400)::int as day, count(*)::text as n
        from payments p where ${ofRun(first)} group by 1 order by 1`.execute(db.db);
    expect(days.rows.map((row) => row.day)).toEqual([0, 1, 2]);
    for (const row of days.rows) expect(Number(row.n)).toBeGreaterThan(20);
  });

  it('mixes channels, declines, cancellations with several reasons and comments, abandonment and refunds', async () => {
    const channels = Object.entries(first.by_channel).filter(([, c]) => c.attempts > 0).map(([channel]) => channel);
    expect(channels).toEqual(expect.arrayContaining(['card', 'alipay', 'wechat_pay', 'unionpay']));
    const declines = ['insufficient_funds', 'generic_decline', 'expired_card', 'incorrect_cvc', 'lost_card', 'stolen_card'].filter((code) => (first.decline_codes[code] ?? 0) > 0);
    expect(declines.length).toBeGreaterThanOrEqual(3);
    const reasons = Object.keys(first.cancellations_by_reason).filter((reason) => reason !== 'abandoned');
    expect(reasons.length).toBeGreaterThanOrEqual(5);
    expect(first.abandoned).toBeGreaterThan(0);
    expect(first.refunds).toBeGreaterThan(0);
    expect(first.ratings).toBeGreaterThan(10);
    const comments = await sql<{ n: string }>`
      select count(*)::text as n from payments p where ${ofRun(first)} and p.cancellation_reason <> 'abandoned' and p.cancellation_comment is not null`.execute(db.db);
    expect(Number(comments.rows[0]?.n)).toBe(reasons.reduce((sum, reason) => sum + (first.cancellations_by_reason[reason] ?? 0), 0));
    // Payers cancel at the checkout, the merchant cancels what it found fraudulent, the system what was abandoned.
    const sources = await sql<{ source: string; reason: string }>`
      select distinct c.source, p.cancellation_reason as reason from cancellation_records c join payments p on p.id = c.payment_id where ${ofRun(first)}`.execute(db.db);
    expect(new Set(sources.rows.map((row) => row.source))).toEqual(new Set(['payer', 'merchant', 'system']));
    expect(sources.rows.filter((row) => row.source === 'merchant').map((row) => row.reason)).toEqual(['fraudulent']);
    // Nothing left halfway: every payment is final, or still within its expiry at the end.
    expect(Object.keys(first.by_status).filter((status) => !['succeeded', 'canceled', 'requires_payment_method', 'requires_action'].includes(status))).toEqual([]);
  });

  it('degrades one channel on one day: its success rate that day is markedly lower than on the other days', async () => {
    const { channel } = first.degraded;
    const degradedDay = first.degraded.from.slice(0, 10);
    expect(first.degraded.to.slice(0, 10)).toBe(degradedDay);
    const rows = await sql<{ day: string; attempts: string; succeeded: string }>`
      select to_char(a.started_at at time zone 'UTC', 'YYYY-MM-DD') as day, count(*)::text as attempts,
             count(*) filter (where a.status = 'succeeded')::text as succeeded
        from payments p join payment_attempts a on a.payment_id = p.id
       where ${ofRun(first)} and a.operation = 'authorize' and a.payment_method_type = ${channel}
       group by 1`.execute(db.db);
    const rate = (row: { attempts: string; succeeded: string }) => Number(row.succeeded) / Number(row.attempts);
    const degraded = rows.rows.find((row) => row.day === degradedDay);
    const others = rows.rows.filter((row) => row.day !== degradedDay && Number(row.attempts) >= 3);
    expect(degraded).toBeDefined();
    expect(others.length).toBeGreaterThan(0);
    const otherRate = others.reduce((sum, row) => sum + Number(row.succeeded), 0) / others.reduce((sum, row) => sum + Number(row.attempts), 0);
    expect(rate(degraded!)).toBeLessThan(otherRate - 0.25);
    expect(first.decline_codes.connector_unavailable ?? 0).toBeGreaterThanOrEqual(3);
  });

  it('gives the same counts for the same seed', () => {
    const counts = (s: TrafficSummary) => ({
      by_status: s.by_status,
      cancellations_by_reason: s.cancellations_by_reason,
      by_channel: s.by_channel,
      decline_codes: s.decline_codes,
      refunds: s.refunds,
      ratings: s.ratings,
      degraded: s.degraded,
      from: s.from,
    });
    expect(second.run).not.toBe(first.run);
    expect(counts(second)).toEqual(counts(first));
  });

  it('refuses options out of bounds before touching anything', async () => {
    for (const args of [['--payments', '0'], ['--payments', '200001'], ['--days', '366'], ['--seed', 'x'], ['--merchant', 'nobody'], ['--end', '2026-01-01T00:30:00Z']]) {
      const failure = await run(process.execPath, ['src/cli.ts', 'simulate-traffic', ...args], {
        env: { ...process.env, DATABASE_URL: inject('databaseUrl'), PAYPILOT_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
      }).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code, args.join(' ')).toBe(1);
      expect(failure?.stderr).toMatch(/^paypilot: --/);
    }
  });
});
