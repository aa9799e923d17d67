/**
 * The simulated UnionPay gateway spoken to directly over HTTP: what it
 * refuses in a front form or an API request, how it answers queries by
 * txnTime, the dangerous late answer, its control routes and reset. The
 * connector's tests cover the same server through the connector.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../domain/clock.ts';
import { signFields, verifyFields } from '../../connectors/unionpay/signature.ts';
import { encodeForm, parseAnswer } from '../../connectors/unionpay/wire.ts';
import { startUnionpaySimulator } from './server.ts';
import type { UnionpayMerchantCredentials, UnionpaySimulator } from './server.ts';

const startMs = Date.UTC(2026, 5, 15, 2, 0, 0); // 10:00 in Beijing
const clock = new ManualClock(startMs);
let gateway: UnionpaySimulator;
let merchant: UnionpayMerchantCredentials;

beforeAll(async () => {
  gateway = await startUnionpaySimulator({ clock, notifyDelayScale: 0 });
});

afterAll(async () => {
  await gateway.close();
});

beforeEach(() => {
  gateway.reset();
  clock.setMs(startMs);
  merchant ??= gateway.registerMerchant();
});

let sequence = 0;
function purchase(overrides: Record<string, string> = {}): Record<string, string> {
  sequence += 1;
  return {
    version: '5.1.0', encoding: 'UTF-8', signMethod: '01', txnType: '01', txnSubType: '01', bizType: '000201',
    channelType: '07', accessType: '0', merId: merchant.mer_id, certId: merchant.cert_id,
    orderId: `SIMORDER${String(sequence).padStart(6, '0')}`, txnTime: '20260615100000', txnAmt: '500', currencyCode: '156',
    // Port 9 (discard) on loopback: notifications fail fast; these tests do not read them.
    frontUrl: 'https://shop.example/return', backUrl: 'http://127.0.0.1:9/notify', payTimeout: '20260615103000',
    ...overrides,
  };
}

const signed = (fields: Record<string, string>): Record<string, string> => signFields(fields, merchant.private_key);

async function openFront(fields: Record<string, string>): Promise<{ status: number; text: string }> {
  const response = await fetch(`${gateway.url}/gateway/api/frontTransReq.do?${encodeForm(fields)}`);
  return { status: response.status, text: await response.text() };
}

async function api(path: string, fields: Record<string, string>, signal?: AbortSignal): Promise<Record<string, string>> {
  const response = await fetch(`${gateway.url}/gateway/api/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: encodeForm(fields),
    signal,
  });
  expect(response.status).toBe(200);
  const answer = parseAnswer(await response.text());
  expect(answer).not.toBeNull();
  expect(verifyFields(answer ?? {}, merchant.unionpay_public_key)).toBe(true);
  return answer ?? {};
}

function query(orderId: string, extra: Record<string, string> = {}): Record<string, string> {
  return signed({
    version: '5.1.0', encoding: 'UTF-8', signMethod: '01', txnType: '00', txnSubType: '00', bizType: '000000', accessType: '0',
    merId: merchant.mer_id, certId: merchant.cert_id, orderId, ...extra,
  });
}

function refund(origQryId: string, orderId: string, txnAmt: string): Record<string, string> {
  return signed({
    version: '5.1.0', encoding: 'UTF-8', signMethod: '01', txnType: '04', txnSubType: '00', bizType: '000201', channelType: '07',
    accessType: '0', merId: merchant.mer_id, certId: merchant.cert_id, orderId, txnTime: '20260615110000', txnAmt,
    currencyCode: '156', origQryId,
  });
}

describe('the front form', () => {
  it('refuses what it must and opens no order for it', async () => {
    const refusals: Record<string, string>[] = [
      signed(purchase({ currencyCode: '840' })),
      signed(purchase({ orderId: 'short' })),
      signed(purchase({ backUrl: 'not a url' })),
      signed(purchase({ payTimeout: '20260615095959' })),
      { ...signed(purchase()), certId: '1' },
      signFields(purchase({ merId: '999999999999999' }), merchant.private_key),
    ];
    for (const fields of refusals) expect((await openFront(fields)).status).toBe(400);
    expect(gateway.stats().orders_opened).toBe(0);
  });

  it('shows the same order again, but refuses its orderId with another amount', async () => {
    const fields = purchase();
    expect((await openFront(signed(fields))).status).toBe(200);
    expect((await openFront(signed(fields))).status).toBe(200);
    expect((await openFront(signed({ ...fields, txnAmt: '501' }))).status).toBe(400);
    expect(gateway.stats().orders_opened).toBe(1);
  });
});

describe('queries and refunds', () => {
  it('finds an order by orderId alone or with its own txnTime, not with another txnTime', async () => {
    const fields = purchase();
    await openFront(signed(fields));
    expect(await api('queryTrans.do', query(fields.orderId as string))).toMatchObject({ respCode: '00', origRespCode: '05' });
    expect(await api('queryTrans.do', query(fields.orderId as string, { txnTime: '20260615100000' }))).toMatchObject({ respCode: '00' });
    expect(await api('queryTrans.do', query(fields.orderId as string, { txnTime: '20260615100001' }))).toMatchObject({ respCode: '34' });
  });

  it('answers a badly signed request with a signed 11 and does nothing', async () => {
    const fields = purchase();
    await openFront(signed(fields));
    const { queryId } = gateway.payer(fields.orderId as string).pay();
    const tampered = { ...refund(queryId, 'SIMREFUND000001', '100'), txnAmt: '500' };
    expect(await api('backTransReq.do', tampered)).toMatchObject({ respCode: '11', merId: merchant.mer_id });
    expect(await api('backTransReq.do', refund('000000000000000000000', 'SIMREFUND000002', '100'))).toMatchObject({ respCode: '35' });
    expect(gateway.stats().refunds).toBe(0);
  });

  it('makes a refund it answers late: the caller gave up, the money still moved', async () => {
    const fields = purchase();
    await openFront(signed(fields));
    const { queryId } = gateway.payer(fields.orderId as string).pay();
    gateway.setFaults({ failNext: 1, failMode: 'respond_late', lateMs: 2_000 });
    await expect(api('backTransReq.do', refund(queryId, 'SIMREFUND000003', '100'), AbortSignal.timeout(200))).rejects.toThrow();
    expect(gateway.stats().refunds).toBe(1);
    expect(await api('queryTrans.do', query('SIMREFUND000003'))).toMatchObject({ respCode: '00', origRespCode: '00', txnAmt: '100' });
  });

  it('refuses a refund under an orderId already used, as a duplicate', async () => {
    const fields = purchase();
    await openFront(signed(fields));
    const { queryId } = gateway.payer(fields.orderId as string).pay();
    expect(await api('backTransReq.do', refund(queryId, fields.orderId as string, '100'))).toMatchObject({ respCode: '12' });
    expect(gateway.stats().refunds).toBe(0);
  });
});

describe('control', () => {
  it('refuses invalid faults, by setFaults and over HTTP', async () => {
    expect(() => gateway.setFaults({ failNext: -1 })).toThrow();
    expect(() => gateway.setFaults({ failMode: 'explode' as never })).toThrow();
    const response = await fetch(`${gateway.url}/_control/faults`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ latencyMs: 'slow' }),
    });
    expect(response.status).toBe(400);
  });

  it('adds latency to API requests', async () => {
    gateway.setFaults({ latencyMs: 150 });
    const started = Date.now();
    await api('queryTrans.do', query('SIMNOORDER0001'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('forgets orders on reset but keeps registered merchants', async () => {
    const fields = purchase();
    await openFront(signed(fields));
    await fetch(`${gateway.url}/_control/reset`, { method: 'POST' });
    expect(gateway.stats().orders_opened).toBe(0);
    expect(await api('queryTrans.do', query(fields.orderId as string))).toMatchObject({ respCode: '34' });
    const stats = (await (await fetch(`${gateway.url}/_control/stats`)).json()) as Record<string, number>;
    expect(stats.queries).toBe(1);
  });
});
