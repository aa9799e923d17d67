/**
 * The mail catcher as the worker and a developer meet it: emails sent over
 * real SMTP by nodemailer, SMS posted over HTTP, the pages a browser reads,
 * and the waits and faults that the end-to-end tests lean on.
 */
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMailCatcher } from './server.ts';
import type { MailCatcher } from './server.ts';

const smsApiKey = 'sk_test_sms_sink';
const payer = 'wang.fang@example.com';

let catcher: MailCatcher;

beforeAll(async () => {
  catcher = await startMailCatcher({ smsApiKey });
});

afterAll(async () => {
  await catcher.close();
});

beforeEach(() => {
  catcher.clear();
  catcher.failNextSms(0);
});

interface Letter {
  to?: string | string[];
  cc?: string;
  subject: string;
  text?: string;
  html?: string;
}

async function sendEmail(port: number, letter: Letter) {
  const transport = createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    return await transport.sendMail({ from: '"Paypilot 收银台" <no-reply@paypilot.test>', to: payer, ...letter });
  } finally {
    transport.close();
  }
}

async function postSms(body: unknown, key: string | null = smsApiKey, url = catcher.smsUrl) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

async function getPage(path: string) {
  const response = await fetch(`${catcher.url}${path}`);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('emails over SMTP', () => {
  it('catches a multipart email with a Chinese subject and body', async () => {
    const info = await sendEmail(catcher.smtpPort, {
      cc: 'li.lei@example.com',
      subject: '支付成功：订单 ORD-1024 ¥128.00',
      text: '您好，王芳：您的订单已支付成功。',
      html: '<p>您好，<b>王芳</b>：您的订单已支付成功。</p>',
    });
    expect(info.accepted).toEqual([payer, 'li.lei@example.com']);

    const emails = catcher.emails();
    expect(emails).toHaveLength(1);
    const [email] = emails;
    expect(email?.id).toMatch(/^eml_/);
    expect(email?.subject).toBe('支付成功：订单 ORD-1024 ¥128.00');
    expect(email?.to).toEqual([payer, 'li.lei@example.com']);
    expect(email?.from).toBe('"Paypilot 收银台" <no-reply@paypilot.test>');
    expect(email?.text.trim()).toBe('您好，王芳：您的订单已支付成功。');
    expect(email?.html?.trim()).toBe('<p>您好，<b>王芳</b>：您的订单已支付成功。</p>');
    expect(email?.headers.subject).toBe('支付成功：订单 ORD-1024 ¥128.00');
    expect(email?.headers['content-type']).toMatch(/^multipart\/alternative; boundary=/);
    expect(email?.headers.cc).toBe('li.lei@example.com');
    expect(email?.receivedAt).toBeInstanceOf(Date);
  });

  it('keeps a text-only email with html null, and lists the newest first', async () => {
    await sendEmail(catcher.smtpPort, { subject: 'first', text: 'one' });
    await sendEmail(catcher.smtpPort, { subject: 'second', text: 'two' });
    const emails = catcher.emails();
    expect(emails.map((email) => email.subject)).toEqual(['second', 'first']);
    expect(emails[0]?.html).toBeNull();
    expect(emails[0]?.text.trim()).toBe('two');
  });

  it('refuses a message over the size limit with 552 and keeps nothing', async () => {
    const sending = sendEmail(catcher.smtpPort, { subject: 'too big', text: 'x'.repeat(3 * 1024 * 1024) });
    await expect(sending).rejects.toMatchObject({ responseCode: 552 });
    expect(catcher.emails()).toEqual([]);
  });
});

describe('pages', () => {
  it('lists the email and escapes a <script> in the subject on the detail page', async () => {
    await sendEmail(catcher.smtpPort, {
      subject: '<script>alert(1)</script> 退款通知',
      text: '退款 <b>已受理</b>',
      html: '<p class="note">退款 "已受理" & <img src="https://tracker.example/pixel.gif"></p>',
    });
    const [email] = catcher.emails();
    expect(email).toBeDefined();

    const index = await getPage('/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.text).toContain('<meta charset="utf-8">');
    expect(index.text).toContain('Paypilot mail catcher');
    expect(index.text).toContain(`<a href="/emails/${email?.id}">&lt;script&gt;alert(1)&lt;/script&gt; 退款通知</a>`);
    expect(index.text).toContain(payer);
    expect(index.text).not.toContain('<script>');

    const detail = await getPage(`/emails/${email?.id}`);
    expect(detail.status).toBe(200);
    expect(detail.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; 退款通知');
    expect(detail.text).not.toContain('<script>');
    expect(detail.text).toContain('退款 &lt;b&gt;已受理&lt;/b&gt;');
    // The HTML body exists only inside the sandboxed srcdoc, escaped for an attribute.
    expect(detail.text).toContain(
      '<iframe id="html" sandbox srcdoc="&lt;p class=&quot;note&quot;&gt;退款 &quot;已受理&quot; &amp; &lt;img src=&quot;https://tracker.example/pixel.gif&quot;&gt;',
    );
    expect(detail.text).not.toContain('<p class="note">退款');
    expect(detail.text).not.toContain('<img');
  });

  it('sends a strict Content-Security-Policy with the pages', async () => {
    const index = await getPage('/');
    const policy = index.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("style-src 'unsafe-inline'");
    expect(policy).toContain('img-src data:');
    expect(policy).not.toMatch(/script-src|https?:/);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.text).not.toMatch(/<(script|link)\b|src="http/);
  });

  it('answers 404 for an unknown email id', async () => {
    const missing = await getPage('/emails/eml_unknown%3Cb%3E');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('No email with id eml_unknown&lt;b&gt;');
  });

  it('serves both lists as JSON', async () => {
    await sendEmail(catcher.smtpPort, { subject: '验证码', text: '123456' });
    expect((await postSms({ to: '+8613800138000', text: '您的验证码是 123456' })).status).toBe(200);
    const emails = (await (await fetch(`${catcher.url}/api/emails`)).json()) as any[];
    const sms = (await (await fetch(`${catcher.url}/api/sms`)).json()) as any[];
    expect(emails.map((email) => email.subject)).toEqual(['验证码']);
    expect(sms).toMatchObject([{ to: '+8613800138000', text: '您的验证码是 123456' }]);
    expect(new Date(sms[0].receivedAt).getTime()).toBeGreaterThan(0);
  });
});

describe('SMS sink', () => {
  it('stores a valid post, answers queued, and lists it on the page', async () => {
    const answer = await postSms({ to: '+8613800138000', text: '【Paypilot】您已成功支付 ¥128.00 <订单 1024>' });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ id: expect.stringMatching(/^sms_/), status: 'queued' });

    expect(catcher.smsMessages()).toMatchObject([
      { id: answer.body.id, to: '+8613800138000', text: '【Paypilot】您已成功支付 ¥128.00 <订单 1024>' },
    ]);
    const index = await getPage('/');
    expect(index.text).toContain('+8613800138000');
    expect(index.text).toContain('【Paypilot】您已成功支付 ¥128.00 &lt;订单 1024&gt;');
  });

  it('refuses a wrong or missing key with 401 and stores nothing', async () => {
    const wrong = await postSms({ to: '+8613800138000', text: 'hi' }, 'sk_wrong');
    const missing = await postSms({ to: '+8613800138000', text: 'hi' }, null);
    expect(wrong).toEqual({ status: 401, body: { error: { code: 'api_key_invalid', message: expect.any(String) } } });
    expect(missing.status).toBe(401);
    expect(catcher.smsMessages()).toEqual([]);
  });

  it('refuses an invalid body with 400 and stores nothing', async () => {
    for (const body of [{ to: '+8613800138000' }, { to: 13800138000, text: 'hi' }, { to: '', text: 'hi' }, { to: '+86138', text: 'hi', extra: 1 }, []]) {
      const answer = await postSms(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error).toEqual({ code: 'body_invalid', message: expect.stringMatching(/^body/) });
    }
    expect(catcher.smsMessages()).toEqual([]);
  });

  it('answers 503 for the posts failNextSms counted, then accepts again', async () => {
    catcher.failNextSms(2);
    const sms = { to: '+8613800138000', text: '重试' };
    expect((await postSms(sms)).status).toBe(503);
    expect(catcher.smsMessages()).toEqual([]);
    expect((await postSms(sms)).status).toBe(503);
    expect((await postSms(sms)).status).toBe(200);
    expect(catcher.smsMessages()).toHaveLength(1);
  });

  it('does not spend an injected failure on an unauthenticated post', async () => {
    catcher.failNextSms(1);
    expect((await postSms({ to: '+8613800138000', text: 'x' }, 'sk_wrong')).status).toBe(401);
    expect((await postSms({ to: '+8613800138000', text: 'x' })).status).toBe(503);
  });
});

describe('waiting', () => {
  it('resolves waitForEmail for an email sent after the wait began, skipping ones that do not match', async () => {
    const waiting = catcher.waitForEmail((email) => email.subject.includes('退款成功'), 5_000);
    await sendEmail(catcher.smtpPort, { subject: '支付成功', text: 'a' });
    await sendEmail(catcher.smtpPort, { subject: '退款成功', text: 'b' });
    const email = await waiting;
    expect(email.subject).toBe('退款成功');
    expect(email.text.trim()).toBe('b');
  });

  it('resolves at once for an email already caught', async () => {
    await sendEmail(catcher.smtpPort, { subject: 'already here', text: 'c' });
    await expect(catcher.waitForEmail((email) => email.subject === 'already here', 100)).resolves.toMatchObject({ subject: 'already here' });
  });

  it('rejects waitForEmail with a clear error on timeout', async () => {
    await sendEmail(catcher.smtpPort, { subject: 'not this one', text: 'd' });
    const startedMs = Date.now();
    await expect(catcher.waitForEmail((email) => email.subject === 'never sent', 150)).rejects.toThrow(
      'no email matched within 150 ms (1 caught and kept)',
    );
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(140);
  });

  it('resolves waitForSms for a later post and rejects when the matcher throws', async () => {
    const waiting = catcher.waitForSms((sms) => sms.to === '+8613900139000');
    await postSms({ to: '+8613800138000', text: 'other' });
    await postSms({ to: '+8613900139000', text: 'mine' });
    await expect(waiting).resolves.toMatchObject({ text: 'mine' });

    const throwing = catcher.waitForSms(() => {
      throw new Error('matcher broke');
    });
    await expect(throwing).rejects.toThrow('matcher broke');
  });
});

describe('limits and closing', () => {
  it('keeps at most messagesMax of each kind, dropping the oldest', async () => {
    const small = await startMailCatcher({ messagesMax: 2 });
    try {
      for (const text of ['1', '2', '3']) expect((await postSms({ to: '+86138', text }, null, small.smsUrl)).status).toBe(200);
      expect(small.smsMessages().map((sms) => sms.text)).toEqual(['3', '2']);
      for (const subject of ['a', 'b', 'c']) await sendEmail(small.smtpPort, { subject, text: subject });
      expect(small.emails().map((email) => email.subject)).toEqual(['c', 'b']);
    } finally {
      await small.close();
    }
  });

  it('close() ends promptly with SMTP and HTTP connections open, stops both ports, and ends pending waits', async () => {
    const closing = await startMailCatcher();
    const smtpClient = await connect(closing.smtpPort);
    expect(await firstData(smtpClient)).toMatch(/^220 /);
    const httpPort = Number(new URL(closing.url).port);
    // A keep-alive HTTP connection that stays open after its answer…
    const keepAlive = await connect(httpPort);
    keepAlive.write('GET /api/sms HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    expect(await firstData(keepAlive)).toMatch(/^HTTP\/1\.1 200/);
    // …and one in the middle of its request, which no idle-connection sweep would close.
    const halfRequest = await connect(httpPort);
    halfRequest.write('GET /api/sms HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const waitEnded = expect(closing.waitForEmail(() => true, 10_000)).rejects.toThrow('the mail catcher closed');

    const startedMs = Date.now();
    await closing.close();
    expect(Date.now() - startedMs).toBeLessThan(2_000);
    await waitEnded;
    await expect(connect(closing.smtpPort)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(connect(httpPort)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(closing.close()).resolves.toBeUndefined();
    for (const client of [smtpClient, keepAlive, halfRequest]) client.destroy();
  });

  it('close() says 421 to an SMTP client and destroys its socket when it does not hang up', async () => {
    const closing = await startMailCatcher();
    // allowHalfOpen: the client keeps its side open after the server's goodbye, as a stuck client would.
    const stuck = await connect(closing.smtpPort, { allowHalfOpen: true });
    const received: string[] = [];
    stuck.on('data', (chunk: Buffer) => received.push(chunk.toString('utf8')));
    stuck.on('error', () => {});
    const stuckClosed = new Promise((resolve) => stuck.once('close', resolve));
    await expect.poll(() => received.join('')).toMatch(/^220 /);

    const startedMs = Date.now();
    await closing.close();
    await expect.poll(() => received.join('')).toMatch(/\r\n421 /);
    // Its socket is gone on the server's side: the first write is answered with a reset, the
    // second fails. (Left to itself, smtp-server would keep the socket for 5 s more.)
    stuck.write('NOOP\r\n');
    setTimeout(() => stuck.write('NOOP\r\n'), 100);
    const giveUp = delay(2_000).then(() => 'still open');
    await expect(Promise.race([stuckClosed.then(() => 'closed'), giveUp])).resolves.toBe('closed');
    expect(Date.now() - startedMs).toBeLessThan(2_000);
  });

  it('refuses to start with an impossible messagesMax or an empty key', async () => {
    await expect(startMailCatcher({ messagesMax: 0 })).rejects.toThrow('messagesMax');
    await expect(startMailCatcher({ smsApiKey: '' })).rejects.toThrow('smsApiKey');
  });

  it('fails to start when a port is taken', async () => {
    await expect(startMailCatcher({ smtpPort: catcher.smtpPort })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await expect(startMailCatcher({ httpPort: Number(new URL(catcher.url).port) })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

function connect(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, ...options });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

function firstData(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8'))));
}
