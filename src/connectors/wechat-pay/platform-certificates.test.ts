/**
 * WeChat Pay's platform certificates: downloaded from /v3/certificates and
 * opened with the APIv3 key, kept per account (bounded), fetched again every
 * 12 hours, a day before the newest expires, and when an answer or a
 * notification names a serial not known yet (a rotation), at most once a
 * minute; or, in public key mode (PUB_KEY_ID_…), never.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../domain/clock.ts';
import type { ConnectorAccount, NotificationVerdict } from '../connector.ts';
import { createHttpExchange, type HttpExchange } from '../http-exchange.ts';
import { selfSignedCertificate } from '../../simulators/wechat-pay/certificate.ts';
import { startWechatPaySimulator, type WechatPayMerchantCredentials, type WechatPaySimulator } from '../../simulators/wechat-pay/server.ts';
import { PlatformCertificateCache, platformKeyPolicy, readCertificates } from './platform-certificates.ts';
import { encryptAeadAesGcm } from './signing.ts';
import { createWechatPayConnector } from './wechat-pay-connector.ts';

const clock = new ManualClock(Date.now());
const simulatorExchange = createHttpExchange({ policy: { allowPrivateInTest: true } });
let downloads = 0;
/** The simulator's exchange, counting the certificate downloads. */
const counting: HttpExchange = {
  policy: simulatorExchange.policy,
  resolve: simulatorExchange.resolve,
  close: () => simulatorExchange.close(),
  send(request) {
    if (String(request.url).includes('/v3/certificates')) downloads += 1;
    return simulatorExchange.send(request);
  },
};

let wechat: WechatPaySimulator;
let credentials: WechatPayMerchantCredentials;
let receiver: Server;
let notifyUrl: string;
let received: NotificationVerdict[] = [];
let accountSequence = 0;
let receiving: { connector: ReturnType<typeof createWechatPayConnector>; account: ConnectorAccount } | null = null;

/** Certificate mode with nothing configured: everything comes from the download. */
function certificateModeAccount(): ConnectorAccount {
  accountSequence += 1;
  const { platform_public_key: _key, platform_serial: _serial, ...rest } = credentials;
  return { id: `acct_certificates_${accountSequence}`, connector: 'wechat_pay', mode: 'test', baseUrl: wechat.url, credentials: { ...rest } };
}

beforeAll(async () => {
  wechat = await startWechatPaySimulator({ clock, notifyDelayScale: 0.001 });
  credentials = wechat.registerMerchant();
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value]));
      if (receiving === null) return response.writeHead(500).end();
      const verdict = receiving.connector.verifyNotification(receiving.account, { headers, rawBody: Buffer.concat(chunks), nowMs: clock.nowMs() });
      received.push(verdict);
      response.writeHead(verdict.ack.status, { 'Content-Type': verdict.ack.contentType }).end(verdict.ack.body);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
});

afterAll(async () => {
  await wechat.close();
  await new Promise((resolve) => receiver.close(resolve));
});

beforeEach(() => {
  downloads = 0;
  received = [];
  receiving = null;
  clock.setMs(Date.now());
});

async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('certificate mode', () => {
  it('downloads the certificates before the first call and verifies WeChat\'s answers with them, with nothing configured', async () => {
    const connector = createWechatPayConnector({ exchange: counting, clock, timeoutMs: 2_000 });
    const account = certificateModeAccount();
    expect(await connector.queryOrder(account, { orderNumber: 'CERTNONE0001' })).toEqual({ kind: 'not_found' });
    expect(await connector.queryOrder(account, { orderNumber: 'CERTNONE0002' })).toEqual({ kind: 'not_found' });
    expect(downloads).toBe(1);
  });

  it('fetches again 12 hours later, and a day before the newest certificate expires', async () => {
    const connector = createWechatPayConnector({ exchange: counting, clock, timeoutMs: 2_000 });
    const account = certificateModeAccount();
    await connector.queryOrder(account, { orderNumber: 'CERTTIME0001' });
    clock.advanceMs(platformKeyPolicy.refreshEveryMs - 60_000);
    await connector.queryOrder(account, { orderNumber: 'CERTTIME0002' });
    expect(downloads).toBe(1);
    clock.advanceMs(60_000);
    await connector.queryOrder(account, { orderNumber: 'CERTTIME0003' });
    expect(downloads).toBe(2);
    // Near the end of the certificates' 5 years, every call is due until a newer one comes (here none: still verified by the old).
    clock.advanceMs(5 * 365 * 24 * 60 * 60 * 1000 - 2 * platformKeyPolicy.refreshEveryMs);
    expect(await connector.queryOrder(account, { orderNumber: 'CERTTIME0004' })).toEqual({ kind: 'not_found' });
    expect(downloads).toBe(3);
  });

  it('trusts a configured first certificate alone until 12 hours have passed, then downloads', async () => {
    const connector = createWechatPayConnector({ exchange: counting, clock, timeoutMs: 2_000 });
    const account: ConnectorAccount = { id: 'acct_certificates_pinned', connector: 'wechat_pay', mode: 'test', baseUrl: wechat.url, credentials: { ...credentials } };
    await connector.queryOrder(account, { orderNumber: 'CERTPIN00001' });
    expect(downloads).toBe(0);
    clock.advanceMs(platformKeyPolicy.refreshEveryMs);
    await connector.queryOrder(account, { orderNumber: 'CERTPIN00002' });
    expect(downloads).toBe(1);
  });

  it('follows a rotation: an answer signed with a serial not known yet makes it fetch once, then believe the answer', async () => {
    const connector = createWechatPayConnector({ exchange: counting, clock, timeoutMs: 2_000 });
    const account = certificateModeAccount();
    await connector.queryOrder(account, { orderNumber: 'CERTROTA0001' });
    const rotated = wechat.rotatePlatformCertificate();
    expect(await connector.queryOrder(account, { orderNumber: 'CERTROTA0002' })).toEqual({ kind: 'not_found' });
    expect(downloads).toBe(2);
    // A configured first certificate (the merchant's credentials as registered) keeps working beside the downloaded ones.
    const configured = { ...account, id: 'acct_certificates_configured', credentials: { ...credentials } };
    expect(await connector.queryOrder(configured, { orderNumber: 'CERTROTA0003' })).toEqual({ kind: 'not_found' });
    expect(rotated.serial).not.toBe(credentials.platform_serial);
  });

  it('refuses a notification signed with an unknown serial, fetches the certificates meanwhile, and accepts WeChat\'s resend', async () => {
    const connector = createWechatPayConnector({ exchange: counting, clock, timeoutMs: 2_000 });
    const account = certificateModeAccount();
    receiving = { connector, account };
    await connector.queryOrder(account, { orderNumber: 'CERTNOTE0001' });
    wechat.rotatePlatformCertificate();
    const request = {
      orderNumber: 'CERTNOTE0002', amount: 100n, currency: 'CNY' as const, subject: '证书轮换', device: 'desktop' as const, returnUrl: null,
      notifyUrl, expiresAt: new Date(clock.nowMs() + 600_000), payerIp: null,
    };
    // The order's own answer is signed with the new serial: this fetch is the first, for the answer.
    expect((await connector.createOrder(account, request)).kind).toBe('requires_action');
    const other = certificateModeAccount();
    receiving = { connector, account: other };
    await connector.queryOrder(other, { orderNumber: 'CERTNOTE0003' }); // knows the new certificate already
    receiving = { connector: createWechatPayConnector({ exchange: counting, clock, timeoutMs: 2_000 }), account };
    downloads = 0;
    wechat.payer('CERTNOTE0002').pay();
    await waitFor(() => received.some((verdict) => verdict.kind === 'verified'));
    expect(received[0]).toMatchObject({ kind: 'rejected', ack: { status: 400 } });
    expect(received.at(-1)).toMatchObject({ kind: 'verified', orderNumber: 'CERTNOTE0002', state: { kind: 'paid' } });
    expect(downloads).toBe(1);
  });

  it('fetches at most once a minute for unknown serials, so forged ones cannot make it hammer WeChat', async () => {
    const connector = createWechatPayConnector({ exchange: counting, clock, timeoutMs: 2_000 });
    const account = certificateModeAccount();
    await connector.queryOrder(account, { orderNumber: 'CERTFORG0001' });
    const forged = { 'Wechatpay-Timestamp': String(Math.floor(clock.nowMs() / 1000)), 'Wechatpay-Nonce': 'N', 'Wechatpay-Signature': 'AAAA', 'Wechatpay-Serial': '7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF' };
    for (let index = 0; index < 20; index += 1) {
      expect(connector.verifyNotification(account, { headers: forged, rawBody: Buffer.from('{}'), nowMs: clock.nowMs() })).toMatchObject({ kind: 'rejected' });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(downloads).toBe(2);
  });
});

describe('public key mode', () => {
  it('never downloads: PUB_KEY_ID_ names the one key answers must be signed with', async () => {
    const connector = createWechatPayConnector({ exchange: counting, clock, timeoutMs: 2_000 });
    const account: ConnectorAccount = {
      id: 'acct_public_key_mode', connector: 'wechat_pay', mode: 'test', baseUrl: wechat.url,
      credentials: { ...credentials, platform_serial: 'PUB_KEY_ID_0114232134912410000000000000' },
    };
    expect((await connector.queryOrder(account, { orderNumber: 'PUBKEY000001' })).kind).toBe('unknown');
    expect(downloads).toBe(0);
  });
});

describe('readCertificates', () => {
  const apiv3Key = 'A'.repeat(32);
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const nowMs = Date.UTC(2026, 5, 15);
  const certificate = selfSignedCertificate({ serial: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1', privateKey: key.privateKey, commonName: 'Tenpay.com', notBeforeMs: nowMs - 1_000, notAfterMs: nowMs + 86_400_000 });
  const entry = (serial: string, pem: string, sealKey = apiv3Key) => ({
    serial_no: serial, effective_time: '2026-06-15T08:00:00+08:00', expire_time: '2026-06-16T08:00:00+08:00',
    encrypt_certificate: { algorithm: 'AEAD_AES_256_GCM', ...encryptAeadAesGcm(sealKey, 'abcdefghijkl', 'certificate', pem) },
  });

  it('opens each certificate with the APIv3 key and keeps its serial, key and expiry', () => {
    const read = readCertificates({ data: [entry(certificate.serial, certificate.pem)] }, apiv3Key, nowMs);
    expect(read).toMatchObject({ keys: [{ serial: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1', notAfterMs: certificate.notAfterMs }] });
  });

  it('refuses a certificate sealed under another key, or whose serial is not the one listed; leaves out an expired one', () => {
    expect(readCertificates({ data: [entry(certificate.serial, certificate.pem, 'B'.repeat(32))] }, apiv3Key, nowMs)).toHaveProperty('error');
    expect(readCertificates({ data: [entry('5157F09EFDC096DE15EBE81A47057A7232F1B8E2', certificate.pem)] }, apiv3Key, nowMs)).toHaveProperty('error');
    expect(readCertificates({ data: [entry(certificate.serial, 'not a certificate')] }, apiv3Key, nowMs)).toHaveProperty('error');
    expect(readCertificates({ data: [entry(certificate.serial, certificate.pem)] }, apiv3Key, nowMs + 2 * 86_400_000)).toEqual({ keys: [] });
    expect(readCertificates({ nothing: true }, apiv3Key, nowMs)).toHaveProperty('error');
  });
});

describe('a certificate sealed by another implementation', () => {
  // The /v3/certificates fixture of the wechatpay Go client (gunsluo/wechatpay-go): sealed under its APIv3 key
  // "AES256Key-32Characters1234567890", nonce eabb3e044577, associated_data "certificate". Its listing names
  // serial 477ED0046A54F0360A72A63A8F2816312AAEAB53, but the certificate inside is 9AD59953ADF1BABB.
  const ciphertext =
  '/M2eAJyVx/0y8JOErsNEWbYpikwKMS0hDahBYrR9Tnqvaxw/WLMHyLq7G3GUoWx3NSwYZlSZ+1JxAMTd4yge1B8bxY7OLrDkXm+BBDVypy5jCi/gcTQduTJp' +
  'R4nRcBRYtEIxLGLrVaUXlDjDa4nM0mUPk6XA7AAUUAl3z5lYISapsFYUuHO9splBrmUESHxzRhSfsTyW68ll8o+ND7xA5R94slxzZIVdVg2Tz/3uXi5X1Qu5' +
  'oi9Dn7pFdHD7++msMB7rgSJUTIFMwZ2GhAX3f/vVWemSMCymPPxzYxdiGFJJ8oBaIn+17pwulmz6NodFS0ilJr9wBs/05gqxe5L6S64ApwXNTfq3YJFVIU6m' +
  'unBaHomRZqsMg3MQlji9yNLBdKO2hk2rq/jCaBLsqcrCHEMEEULA5/1ImeYEkKcX2vIiVtKX8WxxP4M/Gq7btAQZVGzvczopb3wZNu1QLnzC13ov0pB5BPMh' +
  'rx0tE4rLuZ5d+uzGOwuI8CvqOa+8TQ0DNGNaEA/IPrMJCVvmLrDi/aMQB+P4mO9BhUlfGHwQL7Q0anHzZaGHGkYyEGoTPmqQcY1mRbVcXDpIGn7rfHgiXnQT' +
  'urB886T//ddhcv1/LQmcohSveZJAltcaDlmeqMgc+bXsOlAy6JNIIVPJ04ysI+V7nc0O4k4A32ZYA1hK52CU1YWz3vMoaaHVr/t6AF3dVWE1CphhNIwGbaz9' +
  'M1sgEsWwT8LKLG5csgVwG20LO8wmLkxNUQ4fSkMdC+2Qv+rSFd8rlT1j+sYEbPVq6E6URkYPUKMqI1mEEudU1Rx0bE/pjj7+++0gX1H7sHp4+02KLdWS27gp' +
  'tHVXdDjNFPyCEshfVL2B8aEhq8PxSDG5zTqWHrKBAl04WU3kjlSsKZPrpKyhpIrKbEZHcrip3wOGeMf+4XDoZ8Iq8KoM8R6m8wkWi0GAW4G743O44PxHFvlj' +
  'KDIkIQm8gWV37jC3+qb/ZwUDxHONw3tHMH8XWsCVq1KAtKeE/iE9CCmE+ht7K4B+w0DeqKEicm0dkdjuFc9IgFa1W+q0HqGFI2Snd6ZX6crUy1I1vkRTQRj1' +
  'mqjaP7dFOFV0JMpK/4CKMruZfUilNfOnSoKqHA2jPQ3f4ro0H22bF/PNhOWXp6Tzl5ZVbIFBIMdD9+ocq1lDH7vcBfKVwUltKl7jgI9HlpCDPZp++Mt3C4lP' +
  'DzP/XrqorJnFBKw8eMBHS7N+jDhzhqJnI3ldwlGxUsqS/hj+jUUPpYINe/UtVwlOBi/tfuEfv47H5YgbP+Y3dz78a6KJUcA7caPSSqX+8LBcwEEZELXR8gU/' +
  'AxwoDAsHM1pb7wc9fslct+awivfRi47AJtFeeZMGF6bb14VnbzvIZdpZRBIzHlvUqP+t8ZKEUvEJ+lVk7vv0/ySWBZbt0oA5XQ2RVwgzKGOgfMzZafsWAqrq' +
  '1PGYjJqBbm/hudPtqsBridW/QjoE2Bp+Qnp8mWhdlSP8dgdeefLEeZGUSJx0Tzu2hBveEz7jMNQSOyg8HEE=';
  const listing = (serial: string) => ({
    data: [{ effective_time: '2020-09-17T14:26:23+08:00', expire_time: '2025-09-16T14:26:23+08:00', serial_no: serial,
      encrypt_certificate: { algorithm: 'AEAD_AES_256_GCM', associated_data: 'certificate', nonce: 'eabb3e044577', ciphertext } }],
  });
  const apiv3Key = 'AES256Key-32Characters1234567890';
  const nowMs = Date.UTC(2022, 0, 1);

  it('opens under that APIv3 key and is kept under the serial the certificate itself carries', () => {
    expect(readCertificates(listing('9AD59953ADF1BABB'), apiv3Key, nowMs)).toMatchObject({ keys: [{ serial: '9AD59953ADF1BABB', notAfterMs: Date.UTC(2031, 0, 23, 10, 13, 30) }] });
  });

  it('is refused when the listing names another serial than the certificate, or under another APIv3 key', () => {
    expect(readCertificates(listing('477ED0046A54F0360A72A63A8F2816312AAEAB53'), apiv3Key, nowMs)).toEqual({ error: expect.stringContaining('carries serial 9AD59953ADF1BABB') });
    expect(readCertificates(listing('9AD59953ADF1BABB'), 'AES256Key-32Characters1234567891', nowMs)).toEqual({ error: expect.stringContaining('does not open') });
  });
});

describe('the cache', () => {
  it('keeps at most accountsMax accounts, the least recently used going first', () => {
    const cache = new PlatformCertificateCache();
    const publicKey = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const keys = [{ serial: 'S1', publicKey, notAfterMs: 365 * 86_400_000 }];
    for (let index = 0; index < platformKeyPolicy.accountsMax; index += 1) cache.store(`acct_${index}`, keys, 0);
    cache.keys('acct_0'); // used: now the most recent
    cache.store('acct_new', keys, 0);
    expect(cache.size()).toBe(platformKeyPolicy.accountsMax);
    expect(cache.keys('acct_1')).toEqual([]); // the least recently used went
    expect(cache.isDue('acct_1', 0)).toBe(true);
    expect(cache.isDue('acct_0', 0)).toBe(false);
    expect(cache.isDue('acct_new', 0)).toBe(false);
  });
});
