/**
 * The job queue and the application share one PostgreSQL and one pool: the
 * application reads int8 as bigint (money), while graphile-worker must keep
 * its own job ids as it expects them, or a failing job can never be failed
 * and retried (it stays locked for hours and the error escapes the worker).
 */
import { Logger, run, type Runner } from 'graphile-worker';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

describe('jobs on the shared pool', () => {
  it('fails a job that throws, records its error and schedules its retry, with no error escaping', async () => {
    const escaped: unknown[] = [];
    const onRejection = (reason: unknown) => escaped.push(reason);
    process.on('unhandledRejection', onRejection);
    const task = `always_fails_${Date.now()}`;
    let runner: Runner | null = null;
    try {
      runner = await run({
        pgPool: stack.db.pool,
        concurrency: 1,
        noHandleSignals: true,
        pollInterval: 100,
        logger: new Logger(() => () => {}),
        taskList: { [task]: async () => { throw new Error('the provider is down'); } },
      });
      await sql`select graphile_worker.add_job(${task}, '{}'::json, max_attempts => 3)`.execute(stack.db.db);
      let job: { attempts: number; last_error: string | null; locked_by: string | null } | undefined;
      for (let i = 0; i < 100; i += 1) {
        job = (await sql<{ attempts: number; last_error: string | null; locked_by: string | null }>`
          select j.attempts, j.last_error, j.locked_by
            from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
           where t.identifier = ${task}`.execute(stack.db.db)).rows[0];
        if (job?.last_error) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(job).toMatchObject({ attempts: 1, last_error: 'the provider is down', locked_by: null });
    } finally {
      await runner?.stop();
      process.off('unhandledRejection', onRejection);
    }
    expect(escaped).toEqual([]);
  });

  it('still reads the application\'s int8 columns as bigint', async () => {
    const row = await stack.db.db.selectFrom('payments').select('amount').limit(1).executeTakeFirst();
    const literal = await sql<{ n: unknown }>`select 12345678901234::int8 as n`.execute(stack.db.db);
    expect(typeof literal.rows[0]!.n).toBe('bigint');
    if (row) expect(typeof row.amount).toBe('bigint');
  });
});
