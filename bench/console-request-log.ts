/**
 * What the recent-requests log (src/flows/console/request-log.ts) costs:
 * the time a request spends appending its row (on the event loop, the only
 * part on the request's path), and the database time of the batched writes
 * (off the path: a timer's multi-row inserts). Prints figures, never passes
 * or fails. `node bench/console-request-log.ts [rows]`; DATABASE_URL picks a
 * server, else an embedded one is started and removed.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { limits } from '../src/domain/limits.ts';
import { startRequestLog } from '../src/flows/console/request-log.ts';
import { createFlowContext } from '../src/runtime.ts';
import { openBenchDatabase } from './database.ts';

const rows = Math.min(Number(process.argv[2] ?? 10_000), limits.requestLogBufferRowsMax);
const database = await openBenchDatabase(process.env.DATABASE_URL);
try {
  const context = createFlowContext({ db: database.admin.db, masterKey: Buffer.alloc(32, 1), publicBaseUrl: 'http://127.0.0.1:4000', clock: { nowMs: () => Date.now() } });
  const log = startRequestLog(context, { onError: (error) => console.error(error) });
  const merchantId = `mer_bench_${Date.now()}`;
  // Warm the code paths (and the insert's plan) once.
  for (let i = 0; i < limits.requestLogBatchRowsMax; i += 1) log.record(row(merchantId, i));
  await log.flush();

  const recordStart = performance.now();
  for (let i = 0; i < rows; i += 1) log.record(row(merchantId, i));
  const recordMs = performance.now() - recordStart;
  const flushStart = performance.now();
  await log.flush();
  const flushMs = performance.now() - flushStart;
  await log.close();
  const written = await sql<{ n: number }>`select count(*)::int as n from api_request_log where merchant_id = ${merchantId}`.execute(database.admin.db);
  await sql`delete from api_request_log where merchant_id = ${merchantId}`.execute(database.admin.db);

  console.log(`request log bench (${database.origin}, PostgreSQL ${database.serverVersion})`);
  console.log(`  rows recorded:                 ${rows} (+${limits.requestLogBatchRowsMax} warm-up), written ${written.rows[0]?.n ?? 0}, dropped ${log.dropped}`);
  console.log(`  on the request's path:         ${((recordMs * 1000) / rows).toFixed(2)} µs per request (append to the buffer; every ${limits.requestLogBatchRowsMax}th also builds a batch insert)`);
  console.log(`  database, off the path:        ${((flushMs * 1000) / rows).toFixed(1)} µs per row, ${(flushMs / Math.ceil(rows / limits.requestLogBatchRowsMax)).toFixed(2)} ms per ${limits.requestLogBatchRowsMax}-row insert`);
} finally {
  await database.close();
}

function row(merchantId: string, i: number) {
  return {
    requestId: `req_bench${String(i).padStart(21, '0')}`,
    merchantId,
    mode: 'test' as const,
    keyId: 'key_bench',
    memberId: null,
    method: 'POST',
    path: '/v1/payments',
    route: '/v1/payments',
    status: i % 20 === 0 ? 402 : 200,
    errorCode: i % 20 === 0 ? 'card_declined' : null,
    durationMs: 12 + (i % 40),
    occurredAt: new Date(),
  };
}
