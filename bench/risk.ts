/**
 * `npm run bench:risk`: what the risk check adds to a confirm, and how well
 * the fraud model scores. Prints figures, never fails on time.
 *
 * 1. A merchant with ten rules, a blocklist and a model; a seeded history of
 *    decided payments; then the risk check of `--confirms` confirms (the
 *    flow confirm calls, without the provider call around it), each timed by
 *    itself, as the decision stores it (`latency_us`): the one statement that
 *    reads the signals, the rules, the score and the decision's write.
 * 2. The model trained on a seeded labelled set (test/support/risk-labelled.ts),
 *    its AUC on the held-out fifth.
 *
 *   node bench/risk.ts [--confirms N] [--history N] [--labelled N]
 *   Environment: DATABASE_URL (otherwise an embedded PostgreSQL in a temporary directory).
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { createFlowContext } from '../src/runtime.ts';
import { createPayment } from '../src/flows/payments/create-payment.ts';
import { assessRisk } from '../src/flows/risk/assess-risk.ts';
import { createRiskRule } from '../src/flows/risk/rules.ts';
import { addToBlocklist } from '../src/flows/risk/blocklists.ts';
import { trainRiskModel } from '../src/domain/risk/model.ts';
import { saveRiskModel } from '../src/store/risk-models.ts';
import { seededLabelledSet } from '../test/support/risk-labelled.ts';
import { createBenchMerchant, openBenchDatabase } from './database.ts';

const { values } = parseArgs({
  options: { confirms: { type: 'string', default: '300' }, history: { type: 'string', default: '2000' }, labelled: { type: 'string', default: '2000' } },
});
const confirms = Number(values.confirms);
const history = Number(values.history);
const labelledCount = Number(values.labelled);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
}

const database = await openBenchDatabase(process.env.DATABASE_URL);
try {
  const context = createFlowContext({ db: database.admin.db, masterKey: Buffer.alloc(32, 3), publicBaseUrl: 'http://127.0.0.1' });
  // A card account that is never called: the bench times the risk check only.
  const merchant = await createBenchMerchant(context, 'Risk bench', { url: 'http://127.0.0.1:9', apiKey: 'sk_never_called' });
  const scope = { merchantId: merchant.merchantId, mode: 'test' as const };
  const rules = [
    ['customer_cards_24h > 3', 'block'], ['card_payments_1h > 5', 'review'], ['device_payments_24h > 20', 'block'], ['declines_in_row >= 4', 'block'],
    ['is_new_customer && amount > 2000000', 'review'], ['country_mismatch && amount > 500000', 'challenge'], ['amount_to_merchant_usual > 50', 'review'],
    ['hour_of_day < 5 && amount > 1000000', 'review'], ['address_payments_24h > 30', 'block'], ['risk_score >= 95', 'block'],
  ] as const;
  for (const [expression, action] of rules) await createRiskRule(context, scope, { name: expression, expression, action });
  await addToBlocklist(context, scope, { kind: 'email', value: 'fraud@example.com' });
  const trained = trainRiskModel(seededLabelledSet(7, 500), { steps: 200 });
  await saveRiskModel(context.db, scope, { trainedAt: new Date(), samples: trained.samples, frauds: trained.frauds, auc: trained.auc, model: trained.model });

  // A seeded history: decided payments over the last day, on a few hundred cards and devices.
  await sql`
    insert into risk_decisions (id, payment_id, merchant_id, mode, customer_id, card_fingerprint, device_id, address_key, amount, currency, action, rules_fired, signals, latency_us, created_at)
    select 'rdc_bench_' || g, 'pay_bench_' || g, ${scope.merchantId}, 'test', null, 'fp' || (g % 300), 'dev' || (g % 500), 'addr' || (g % 400),
           1000 + g % 5000, 'CNY', 'allow', '[]', '{}', 0, now() - (g % 1440) * interval '1 minute'
      from generate_series(1, ${history}::int) g`.execute(context.db);
  await sql`analyze risk_decisions`.execute(context.db);

  const wallMs: number[] = [];
  for (let i = 0; i < confirms; i += 1) {
    const payment = await createPayment(context, scope, { amount: 1_000 + i, currency: 'CNY', payment_method_types: ['card'] });
    const startedMs = performance.now();
    await assessRisk(context, 'merchant', payment, {
      payment_method: { type: 'card', card: { number: `4242424242${String(424242 + (i % 300)).padStart(6, '0')}`, exp_month: 12, exp_year: 2030, cvc: '123' } },
      risk: { device_id: `dev${i % 500}`, billing_address: { line1: `${i % 400} Bench Road`, country: 'CN' } },
    }).catch(() => undefined);
    wallMs.push(performance.now() - startedMs);
  }
  const stored = await sql<{ latency_us: number }>`
    select latency_us from risk_decisions where merchant_id = ${scope.merchantId} and id not like 'rdc_bench_%' order by latency_us`.execute(context.db);
  const latencies = stored.rows.map((r) => r.latency_us / 1000);
  wallMs.sort((a, b) => a - b);
  console.log(`risk decision latency added to confirm (${latencies.length} decisions, ${rules.length} rules, ${history} decisions of history; ${database.origin} PostgreSQL ${database.serverVersion}):`);
  console.log(`  decision (read + rules + score, as stored): p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms`);
  console.log(`  whole check including the decision's write: p50 ${percentile(wallMs, 0.5).toFixed(2)} ms, p99 ${percentile(wallMs, 0.99).toFixed(2)} ms`);

  const labelled = seededLabelledSet(18, labelledCount);
  const startedMs = performance.now();
  const model = trainRiskModel(labelled, { steps: 400 });
  console.log(
    `risk model on a seeded labelled set: ${model.samples} labelled (${model.frauds} fraudulent), AUC ${model.auc?.toFixed(3) ?? 'n/a'} on ${model.heldOut} held out, trained in ${(performance.now() - startedMs).toFixed(0)} ms`,
  );
} finally {
  await database.close();
}
