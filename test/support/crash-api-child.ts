/**
 * An API process that dies (SIGKILL, no cleanup) right after a keyed request's
 * handler has committed its effect and before the idempotency key is marked
 * complete: the worst moment for a crash. It prints its address when ready.
 */
import { buildApp } from '../../src/http/app.ts';
import { createFlowContext } from '../../src/runtime.ts';
import { openDatabase } from '../../src/store/database.ts';

const url = process.env.DATABASE_URL;
const masterKey = process.env.PAYPILOT_MASTER_KEY;
if (!url || !masterKey) throw new Error('DATABASE_URL and PAYPILOT_MASTER_KEY are required');
const handle = openDatabase(url, { poolSize: 4 });
const context = createFlowContext({ db: handle.db, masterKey: Buffer.from(masterKey, 'base64'), publicBaseUrl: 'http://127.0.0.1:0', connectorTimeoutMs: 2_000 });
const app = await buildApp({ context, logLevel: 'silent', rateLimitPerSecond: 0, beforeIdempotencyKeyCompletes: () => process.kill(process.pid, 'SIGKILL') });
const address = await app.listen({ host: '127.0.0.1', port: 0 });
context.publicBaseUrl = address;
console.log(`listening ${address}`);
