/**
 * A worker process that only delivers webhooks, for the test that kills a
 * worker mid-delivery: it runs graphile-worker with the real `deliver_webhook`
 * task on the given database, with the system clock, until it is killed.
 */
import { run } from 'graphile-worker';
import { openDatabase } from '../../src/store/database.ts';
import { createFlowContext } from '../../src/runtime.ts';
import { taskList } from '../../src/jobs/worker.ts';

const url = process.env.DATABASE_URL;
const masterKey = process.env.PAYPILOT_MASTER_KEY;
if (!url || !masterKey) throw new Error('DATABASE_URL and PAYPILOT_MASTER_KEY are required');
const handle = openDatabase(url, { poolSize: 4 });
const context = createFlowContext({
  db: handle.db,
  masterKey: Buffer.from(masterKey, 'base64'),
  publicBaseUrl: 'http://127.0.0.1:0',
  // The test's receiver listens on 127.0.0.1, for a test-mode endpoint.
  outboundPolicy: { allowPrivateInTest: true },
});
await run({ pgPool: handle.pool, concurrency: 2, noHandleSignals: true, pollInterval: 200, taskList: { deliver_webhook: taskList(context).deliver_webhook } });
console.log('worker ready');
