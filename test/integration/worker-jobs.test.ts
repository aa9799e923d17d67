/**
 * The job queue and the application share one PostgreSQL and one pool: the
 * application reads int8 as bigint (money), while graphile-worker must keep
 * its own job ids as it expects them, or a failing job can never be failed
 * and retried (it stays locked for hours and the error escapes the worker).
 */
import { Logger, run, type Runner } from 'graphile-worker';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskList } from '../../src/jobs/worker.ts';
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

  it('takes and ends a backfill_tenant_keys job that a worker of the previous version queued, doing nothing (the backfill was removed)', async () => {
    // Only this task, so that nothing else of the queue is taken (a job of a name no running worker knows would stay queued for good).
    const runner = await run({
      pgPool: stack.db.pool,
      concurrency: 1,
      noHandleSignals: true,
      pollInterval: 100,
      logger: new Logger(() => () => {}),
      taskList: { backfill_tenant_keys: taskList(stack.context).backfill_tenant_keys },
    });
    try {
      await sql`select graphile_worker.add_job('backfill_tenant_keys', '{}'::json, max_attempts => 1)`.execute(stack.db.db);
      let left = 1;
      for (let i = 0; i < 100 && left > 0; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        left = (await sql<{ left: number }>`
          select count(*)::int as left from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
           where t.identifier = 'backfill_tenant_keys'`.execute(stack.db.db)).rows[0]!.left;
      }
      expect(left).toBe(0);
    } finally {
      await runner.stop();
    }
  });

  it('still reads the application\'s int8 columns as bigint', async () => {
    const row = await stack.db.db.selectFrom('payments').select('amount').limit(1).executeTakeFirst();
    const literal = await sql<{ n: unknown }>`select 12345678901234::int8 as n`.execute(stack.db.db);
    expect(typeof literal.rows[0]!.n).toBe('bigint');
    if (row) expect(typeof row.amount).toBe('bigint');
  });
});
