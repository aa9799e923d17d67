/**
 * Reconciliation against UnionPay's statement in its real layout: a payment
 * made through the API and paid at the simulated gateway, then the day's
 * file, answered by a gateway of the test's own whose ZM records carry GBK
 * text in 二级商户简称 before the fields read after it (a reader counting
 * characters instead of bytes would read them shifted). The simulator's own
 * file (ASCII) is reconciled too.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { startWorker } from '../../src/jobs/worker.ts';
import { orderNumberOf } from '../../src/flows/channels/channel-payments.ts';
import { reconcile } from '../../src/ops/reconcile.ts';
import { signFields } from '../../src/connectors/unionpay/signature.ts';
import { encodeAnswer, encodeFileContent, formatBeijingTime, parseForm, zmRecord } from '../../src/connectors/unionpay/wire.ts';
import { encodeGbk } from '../../src/simulators/unionpay/gbk.ts';
import { writeZip } from '../../src/simulators/unionpay/zip-writer.ts';
import { startUnionpaySimulator, type UnionpaySimulator, type UnionpayMerchantCredentials } from '../../src/simulators/unionpay/server.ts';
import { ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.now());
let stack: Stack;
let worker: Runner;
let unionpay: UnionpaySimulator;
let ownGateway: Server;
let ownGatewayUrl: string;
/** What the test's gateway puts in the file: set by each test. */
let fileRecords: Buffer[] = [];
const gatewayKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const gatewayPrivatePem = gatewayKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const gatewayPublicPem = gatewayKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();

beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true });
  unionpay = await startUnionpaySimulator({ clock, notifyDelayScale: 0.0001 });
  worker = await startWorker(stack.context, stack.db.pool, { concurrency: 2, logLevel: 'silent' });
  ownGateway = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = parseForm(Buffer.concat(chunks).toString('utf8')) ?? {};
      const merId = form.merId ?? '';
      const archive = writeZip(
        [
          { name: `INN${formatBeijingTime(clock.nowMs()).slice(2, 8)}88ZM_${merId}`, data: Buffer.concat(fileRecords.map((line) => Buffer.concat([line, Buffer.from('\r\n')]))) },
          { name: `INN${formatBeijingTime(clock.nowMs()).slice(2, 8)}88ZME_${merId}`, data: Buffer.alloc(0) },
        ],
        clock.nowMs(),
      );
      const answer = signFields(
        {
          version: '5.1.0', encoding: 'UTF-8', signMethod: '01', txnType: '76', txnSubType: '01', bizType: '000000', accessType: '0', merId,
          txnTime: form.txnTime ?? '', settleDate: form.settleDate ?? '', fileType: '00', respCode: '00', respMsg: 'Success!',
          fileName: `${merId}_file.zip`, fileContent: encodeFileContent(archive),
        },
        gatewayPrivatePem,
      );
      response.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end(encodeAnswer(answer));
    });
  });
  await new Promise<void>((resolve) => ownGateway.listen(0, '127.0.0.1', resolve));
  ownGatewayUrl = `http://127.0.0.1:${(ownGateway.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await worker?.stop();
  await unionpay?.close();
  await new Promise((resolve) => ownGateway?.close(resolve));
  await stack?.close();
});

async function paidPayment(): Promise<{ key: string; accountId: string; credentials: UnionpayMerchantCredentials; orderNumber: string; queryId: string }> {
  const merchant = await stack.newMerchant();
  const credentials = unionpay.registerMerchant();
  const account = await stack.api('POST', '/v1/connector_accounts', { connector: 'unionpay', base_url: unionpay.url, credentials }, { key: merchant.secretKey });
  expect(account.status, JSON.stringify(account.body)).toBe(200);
  const created = await stack.api('POST', '/v1/payments', { amount: 1999, currency: 'CNY', description: '乌龙茶' }, { key: merchant.secretKey });
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: { type: 'unionpay' } }, { key: merchant.secretKey });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  expect((await fetch(confirmed.body.next_action.redirect_to_url.url)).status).toBe(200);
  const attempts = await stack.api('GET', `/v1/payments/${created.body.id}/attempts`, undefined, { key: merchant.secretKey });
  const orderNumber = orderNumberOf(attempts.body.data[0].id);
  const { queryId } = unionpay.payer(orderNumber).pay();
  const deadline = Date.now() + 10_000;
  while ((await stack.api('GET', `/v1/payments/${created.body.id}`, undefined, { key: merchant.secretKey })).body.status !== 'succeeded') {
    if (Date.now() > deadline) throw new Error('the payment did not succeed');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { key: merchant.secretKey, accountId: account.body.id as string, credentials, orderNumber, queryId };
}

const beijingDate = (ms: number): string => new Date(ms + 8 * 60 * 60 * 1000).toISOString().slice(0, 10);

describe('reconciling UnionPay statements in their real layout', () => {
  it('matches the payment in the simulator\'s own ZIP of fixed-width records, the next day', async () => {
    const { accountId } = await paidPayment();
    const date = beijingDate(clock.nowMs());
    clock.advanceMs(24 * 60 * 60 * 1000);
    try {
      const report = await reconcile(stack.context, accountId, date);
      expect(report).toMatchObject({ statementLines: 1, matched: 1, mismatches: [] });
    } finally {
      clock.advanceMs(-24 * 60 * 60 * 1000);
    }
  });

  it('matches the payment and reports an unknown refund from a file with GBK text, the amounts read at their byte offsets', async () => {
    const { key, accountId, credentials, orderNumber, queryId } = await paidPayment();
    const moved = await stack.api('POST', `/v1/connector_accounts/${accountId}`, { base_url: ownGatewayUrl, credentials: { ...credentials, unionpay_public_key: gatewayPublicPem } }, { key });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const time = formatBeijingTime(clock.nowMs()).slice(4, 14);
    const common = { merId: credentials.mer_id, subMerAbbr: '上海茶叶专卖店', merReserved: '备注：乌龙茶', txnTime: time, bizType: '000201' };
    fileRecords = [
      zmRecord({ ...common, tradeCode: 'S22', txnType: '01', txnSubType: '01', orderId: orderNumber, queryId, txnAmt: '000000001999' }, encodeGbk),
      zmRecord({ ...common, tradeCode: 'S30', txnType: '04', txnSubType: '00', orderId: 'REFUNDMADEELSEWHERE1', queryId: '999999999999999999999', txnAmt: '000000000500', origQryId: queryId, origOrderId: orderNumber }, encodeGbk),
    ];
    const report = await reconcile(stack.context, accountId, beijingDate(clock.nowMs()));
    expect(report).toMatchObject({ statementLines: 2, matched: 1 });
    expect(report.mismatches).toEqual([
      expect.objectContaining({ kind: 'missing_here', orderNumber, refundNumber: 'REFUNDMADEELSEWHERE1', theirAmount: 500n }),
    ]);
  });
});
