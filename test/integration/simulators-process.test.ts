/**
 * `paypilot simulators` as a process of its own: what it charged, ordered
 * and refunded survives a restart (and a SIGKILL), a refund of a charge made
 * before the restart works, and its records show one effect for a key sent
 * again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signedParams } from '../../src/connectors/alipay/alipay-connector.ts';
import { freePortRun } from '../support/ports.ts';

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'paypilot-simulators-'));
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

interface Addresses {
  card: string;
  alipay: string;
  card_api_key: string;
}

async function startSimulators(port: number): Promise<{ child: ChildProcess; addresses: Addresses }> {
  const child = spawn(process.execPath, ['src/cli.ts', 'simulators', '--port', String(port), '--data-dir', dataDir], {
    env: { ...process.env, PAYPILOT_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  while (!output.includes('\n')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the simulators did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const line = output.split('\n').find((each) => each.startsWith('{"simulators"'));
  if (!line) throw new Error(`no addresses in:\n${output}`);
  return { child, addresses: (JSON.parse(line) as { simulators: Addresses }).simulators };
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

async function cardPost(addresses: Addresses, pathname: string, body: object, key: string): Promise<{ status: number; body: any; replayed: boolean }> {
  const response = await fetch(`${addresses.card}${pathname}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${addresses.card_api_key}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json(), replayed: response.headers.get('idempotent-replayed') === 'true' };
}

async function alipayCall(addresses: Addresses, merchant: { app_id: string; private_key: string }, method: string, biz: Record<string, string>): Promise<any> {
  const params = signedParams({ appId: merchant.app_id, privateKey: merchant.private_key }, method, biz, {}, Date.now());
  const response = await fetch(`${addresses.alipay}/gateway.do`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
    body: new URLSearchParams(params).toString(),
  });
  const text = await response.text();
  return JSON.parse(text)[`${method.replaceAll('.', '_')}_response`];
}

async function records(url: string): Promise<any> {
  return (await fetch(`${url}/_control/records`)).json();
}

const card = { number: '4242424242424242', exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc: '123' };

describe('paypilot simulators, a process of its own', () => {
  it('keeps charges, orders, merchants and records across a restart and a SIGKILL; a repeated key causes no second effect', async () => {
    const port = await freePortRun(6);
    let { child, addresses } = await startSimulators(port);

    // A charge, sent twice with the same key (a client retrying): one effect.
    const charge = await cardPost(addresses, '/v1/authorizations', { amount: 1234, currency: 'CNY', capture: true, card }, 'charge-1');
    expect(charge.status).toBe(200);
    expect(charge.body.status).toBe('captured');
    const again = await cardPost(addresses, '/v1/authorizations', { amount: 1234, currency: 'CNY', capture: true, card }, 'charge-1');
    expect(again.replayed).toBe(true);
    expect(again.body.id).toBe(charge.body.id);

    // An Alipay merchant registered over HTTP, and an order the payer pays.
    const merchant = (await (await fetch(`${addresses.alipay}/_control/merchants`, { method: 'POST' })).json()) as { app_id: string; private_key: string };
    const order = await alipayCall(addresses, merchant, 'alipay.trade.precreate', { out_trade_no: 'ORDER-1', total_amount: '56.78', subject: 'Tea' });
    expect(order.code).toBe('10000');
    const paid = await fetch(`${addresses.alipay}/pay/ORDER-1/pay`, { method: 'POST' });
    expect(paid.status).toBe(200);

    // A clean stop, then a SIGKILL: neither loses anything.
    await stop(child, 'SIGTERM');
    ({ child, addresses } = await startSimulators(port));
    await stop(child, 'SIGKILL');
    ({ child, addresses } = await startSimulators(port));

    // The same key after the restart still replays, and does not charge again.
    const replay = await cardPost(addresses, '/v1/authorizations', { amount: 1234, currency: 'CNY', capture: true, card }, 'charge-1');
    expect(replay.replayed).toBe(true);
    expect(replay.body.id).toBe(charge.body.id);

    // A refund of the charge made before the restarts works; its key sent twice refunds once.
    const refund = await cardPost(addresses, '/v1/refunds', { authorization: charge.body.id, amount: 1000 }, 'refund-1');
    expect(refund.status).toBe(200);
    expect(refund.body.status).toBe('succeeded');
    const refundAgain = await cardPost(addresses, '/v1/refunds', { authorization: charge.body.id, amount: 1000 }, 'refund-1');
    expect(refundAgain.body.id).toBe(refund.body.id);
    const tooMuch = await cardPost(addresses, '/v1/refunds', { authorization: charge.body.id, amount: 235 }, 'refund-2');
    expect(tooMuch.body.status).toBe('failed');

    // The Alipay merchant, its keys and the paid order survived: a signed query and a refund work.
    const query = await alipayCall(addresses, merchant, 'alipay.trade.query', { out_trade_no: 'ORDER-1' });
    expect(query).toMatchObject({ code: '10000', trade_status: 'TRADE_SUCCESS', total_amount: '56.78' });
    const alipayRefund = await alipayCall(addresses, merchant, 'alipay.trade.refund', { out_trade_no: 'ORDER-1', refund_amount: '6.78', out_request_no: 'R1' });
    expect(alipayRefund).toMatchObject({ code: '10000', fund_change: 'Y' });
    const alipayRefundAgain = await alipayCall(addresses, merchant, 'alipay.trade.refund', { out_trade_no: 'ORDER-1', refund_amount: '6.78', out_request_no: 'R1' });
    expect(alipayRefundAgain).toMatchObject({ code: '10000', fund_change: 'N' });

    const cardRecords = await records(addresses.card);
    const chargeKey = cardRecords.keys.find((key: any) => key.key === 'charge-1');
    expect(chargeKey).toMatchObject({ seen: 3, effects: { authorized: 1, captured: 1 }, second_effects: 0 });
    expect(cardRecords.keys.find((key: any) => key.key === 'refund-1')).toMatchObject({ seen: 2, effects: { refunded: 1 }, second_effects: 0 });
    expect(cardRecords.summary.captured).toEqual({ count: 1, amount: '1234' });
    expect(cardRecords.summary.refunded).toEqual({ count: 1, amount: '1000' });
    expect(cardRecords.summary.refund_failed).toEqual({ count: 1, amount: '235' });
    expect(cardRecords.keys_with_second_effect).toEqual([]);

    const alipayRecords = await records(addresses.alipay);
    expect(alipayRecords.summary.ordered).toEqual({ count: 1, amount: '5678' });
    expect(alipayRecords.summary.paid).toEqual({ count: 1, amount: '5678' });
    expect(alipayRecords.summary.refunded).toEqual({ count: 1, amount: '678' });
    expect(alipayRecords.keys.find((key: any) => key.key === 'ORDER-1/R1')).toMatchObject({ seen: 2, effects: { refunded: 1 }, second_effects: 0 });
    expect(alipayRecords.keys_with_second_effect).toEqual([]);

    await stop(child, 'SIGTERM');
  }, 90_000);
});
