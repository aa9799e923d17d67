/**
 * verifyNotification on hand-made notifications (no simulator): the refund
 * events the simulator does not send, and bodies that verify but must still
 * not be believed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ConnectorAccount } from '../connector.ts';
import { encryptAeadAesGcm, wechatpayHeaders } from './signing.ts';
import { createWechatPayConnector } from './wechat-pay-connector.ts';

const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const merchantKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const apiv3Key = 'K'.repeat(32);
const account: ConnectorAccount = {
  id: 'acct_notification_test',
  connector: 'wechat_pay',
  mode: 'test',
  baseUrl: 'http://127.0.0.1:9',
  credentials: {
    mchid: '1900000109',
    appid: 'wxd678efh567hg6787',
    serial_no: 'MERCHANTSERIAL',
    private_key: merchantKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    apiv3_key: apiv3Key,
    platform_public_key: platform.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    platform_serial: 'PLATFORMSERIAL',
  },
};
const connector = createWechatPayConnector();
const nowMs = Date.UTC(2026, 5, 15, 12);

function notification(eventType: string, originalType: 'transaction' | 'refund', resource: object) {
  const sealed = encryptAeadAesGcm(apiv3Key, 'abcdefghijkl', originalType, JSON.stringify(resource));
  const rawBody = Buffer.from(
    JSON.stringify({
      id: 'EV-2018022511223320873', create_time: '2026-06-15T20:00:00+08:00', resource_type: 'encrypt-resource', event_type: eventType,
      summary: '通知', resource: { original_type: originalType, algorithm: 'AEAD_AES_256_GCM', ...sealed },
    }),
  );
  const headers = wechatpayHeaders({ body: rawBody, timestamp: String(nowMs / 1000), nonce: 'NONCE', privateKey: platform.privateKey, serial: 'PLATFORMSERIAL' });
  return { headers, rawBody, nowMs };
}

const refundResource = (status: string) => ({
  mchid: '1900000109', out_trade_no: 'A12345678', transaction_id: '4200000000000000000000000001', out_refund_no: 'RF1',
  refund_id: '50000000000000000000000000001', refund_status: status, user_received_account: '支付用户零钱',
  amount: { total: 1000, refund: 300, payer_total: 1000, payer_refund: 300 },
});

describe('refund notifications', () => {
  it('maps REFUND.SUCCESS to succeeded and REFUND.ABNORMAL / REFUND.CLOSED to failed, with the refund number and amount', () => {
    expect(connector.verifyNotification(account, notification('REFUND.SUCCESS', 'refund', refundResource('SUCCESS')))).toMatchObject({
      kind: 'verified', notificationId: 'EV-2018022511223320873', orderNumber: 'A12345678', refundNumber: 'RF1', amount: 300n, orderAmount: 1000n,
      state: { kind: 'succeeded', reference: '50000000000000000000000000001' }, merchantIdentity: { mchid: '1900000109' },
      ack: { status: 204, body: '' },
    });
    for (const status of ['ABNORMAL', 'CLOSED']) {
      expect(connector.verifyNotification(account, notification(`REFUND.${status}`, 'refund', refundResource(status)))).toMatchObject({
        kind: 'verified', refundNumber: 'RF1', state: { kind: 'failed', reason: status },
      });
    }
  });

  it('rejects an event whose type contradicts the status inside it', () => {
    const verdict = connector.verifyNotification(account, notification('REFUND.SUCCESS', 'refund', refundResource('ABNORMAL')));
    expect(verdict).toMatchObject({ kind: 'rejected', orderNumber: 'A12345678', ack: { status: 400 } });
  });
});

describe('transaction notifications that verify but are not a payment', () => {
  const transaction = {
    appid: 'wxd678efh567hg6787', mchid: '1900000109', out_trade_no: 'A12345678', transaction_id: '4200000000000000000000000001',
    trade_state: 'SUCCESS', trade_state_desc: '支付成功', success_time: '2026-06-15T20:00:00+08:00', amount: { total: 100, currency: 'CNY' },
  };

  it('accepts the well-formed payment (the baseline of the cases below)', () => {
    expect(connector.verifyNotification(account, notification('TRANSACTION.SUCCESS', 'transaction', transaction))).toMatchObject({
      kind: 'verified', amount: 100n, state: { kind: 'paid', paidAt: new Date('2026-06-15T12:00:00Z') },
    });
  });

  it('rejects TRANSACTION.SUCCESS whose trade_state is not SUCCESS, an unknown event, and an unreadable body', () => {
    expect(connector.verifyNotification(account, notification('TRANSACTION.SUCCESS', 'transaction', { ...transaction, trade_state: 'NOTPAY' })).kind).toBe('rejected');
    expect(connector.verifyNotification(account, notification('TRANSACTION.PAID', 'transaction', transaction))).toMatchObject({ kind: 'rejected', orderNumber: 'A12345678' });
    const { transaction_id: _omitted, ...withoutId } = transaction;
    expect(connector.verifyNotification(account, notification('TRANSACTION.SUCCESS', 'transaction', withoutId)).kind).toBe('rejected');
    const garbage = Buffer.from('not json');
    const headers = wechatpayHeaders({ body: garbage, timestamp: String(nowMs / 1000), nonce: 'N', privateKey: platform.privateKey, serial: 'PLATFORMSERIAL' });
    expect(connector.verifyNotification(account, { headers, rawBody: garbage, nowMs })).toMatchObject({ kind: 'rejected', orderNumber: null });
  });
});
