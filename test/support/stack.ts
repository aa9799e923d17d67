/**
 * A whole Paypilot for one test file: the API on a real socket, the card
 * acquirer simulator, a merchant with keys and a card connector account.
 * Everything listens on 127.0.0.1 and stops in `close()`.
 */
import { inject } from 'vitest';
import { ManualClock, type Clock } from '../../src/domain/clock.ts';
import type { Messaging } from '../../src/messaging/messaging.ts';
import type { Resolver } from '../../src/connectors/http-exchange.ts';
import type { OutboundAddressPolicy } from '../../src/domain/notifications/outbound-address.ts';
import { createMerchant, type MerchantKeys } from '../../src/flows/merchants/create-merchant.ts';
import type { FlowContext } from '../../src/flows/context.ts';
import { buildApp } from '../../src/http/app.ts';
import type { LogDestination } from '../../src/observability/logging.ts';
import type { App } from '../../src/http/routes/route-kit.ts';
import { createFlowContext } from '../../src/runtime.ts';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { openMessageBody } from '../../src/store/messages.ts';
import { startCardAcquirer, type CardAcquirer } from '../../src/simulators/card-acquirer/server.ts';
import { startInvalidationListener, type InvalidationListener } from '../../src/store/invalidation.ts';
import type { AddressRateLimits } from '../../src/http/plugins/address-limits.ts';

export const testMasterKey = Buffer.alloc(32, 7);
const acquirerApiKey = 'sk_sim_card_test';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface Stack {
  url: string;
  app: App;
  db: DatabaseHandle;
  context: FlowContext;
  /** This stack's LISTEN connection: its API process hears key changes from every other. */
  invalidation: InvalidationListener;
  acquirer: CardAcquirer;
  merchant: MerchantKeys;
  secretKey: string;
  publishableKey: string;
  cardAccountId: string;
  api<T = any>(method: string, path: string, body?: unknown, options?: { key?: string | null; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
  /** A fresh merchant on the same stack, with its own card account. */
  newMerchant(options?: { name?: string; supportEmail?: string }): Promise<{ merchant: MerchantKeys; secretKey: string; publishableKey: string; cardAccountId: string }>;
  close(): Promise<void>;
}

export interface StackOptions {
  clock?: Clock;
  connectorTimeoutMs?: number;
  /** Retries wait for real unless a test makes them instant. */
  instantRetries?: boolean;
  /** Off unless a test is about the limit. */
  rateLimitPerSecond?: number;
  /** Per-address limits (failed authentication, payer pages, notifications): off unless a test is about them. */
  addressRateLimits?: AddressRateLimits;
  /** Email and SMS senders; none by default (messages are then skipped). */
  messaging?: Messaging;
  /**
   * The outbound address rules. By default test mode may reach private
   * addresses (PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST=true), as every simulator
   * and receiver of a test listens on 127.0.0.1; live mode never may.
   */
  outboundPolicy?: OutboundAddressPolicy;
  /** Name resolution for outbound calls and URL checks; the system's by default. */
  resolve?: Resolver;
  /** The primary: the test run's database unless a test brings its own (the read-replica test). */
  databaseUrl?: string;
  /** A streaming replica of it, as DATABASE_READ_URL: analytics and console reads go there once it has caught up. */
  readDatabaseUrl?: string;
  /** The API's log: silent unless a test reads it. */
  log?: { level: string; destination: LogDestination };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const clock = options.clock ?? { nowMs: () => Date.now() };
  const acquirer = await startCardAcquirer({ apiKeys: [acquirerApiKey], port: 0, host: '127.0.0.1' });
  const db = openDatabase(options.databaseUrl ?? inject('databaseUrl'), { poolSize: 10 });
  const readDb = options.readDatabaseUrl ? openDatabase(options.readDatabaseUrl, { poolSize: 10, applicationName: 'paypilot-read' }) : null;
  const context = createFlowContext({
    db: db.db,
    readDb: readDb?.db,
    masterKey: testMasterKey,
    publicBaseUrl: 'http://127.0.0.1:0',
    clock,
    connectorTimeoutMs: options.connectorTimeoutMs ?? 2_000,
    sleep: options.instantRetries ? async () => {} : undefined,
    messaging: options.messaging,
    outboundPolicy: options.outboundPolicy ?? { allowPrivateInTest: true },
    resolve: options.resolve,
  });
  const invalidation = await startInvalidationListener(db.pool);
  const app = await buildApp({
    context,
    logLevel: options.log?.level ?? 'silent',
    logDestination: options.log?.destination,
    rateLimitPerSecond: options.rateLimitPerSecond ?? 0,
    addressRateLimits: options.addressRateLimits,
    invalidation,
    defaultBaseUrls: { card: acquirer.url },
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  context.publicBaseUrl = address;

  async function api<T>(method: string, path: string, body?: unknown, requestOptions: { key?: string | null; headers?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
    const key = requestOptions.key === undefined ? stack.secretKey : requestOptions.key;
    const headers: Record<string, string> = { ...requestOptions.headers };
    if (key) headers.authorization = `Bearer ${key}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${address}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(20_000) });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (a page): keep the text.
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  async function newMerchant(merchantOptions: { name?: string; supportEmail?: string } = {}) {
    const merchant = await createMerchant(context, { name: merchantOptions.name ?? 'Test Merchant', supportEmail: merchantOptions.supportEmail });
    const secretKey = merchant.keys.secret_test;
    const created = await api<{ id: string }>('POST', '/v1/connector_accounts', { connector: 'card', credentials: { api_key: acquirerApiKey } }, { key: secretKey });
    if (created.status !== 200) throw new Error(`could not create card account: ${JSON.stringify(created.body)}`);
    return { merchant, secretKey, publishableKey: merchant.keys.publishable_test, cardAccountId: created.body.id };
  }

  const stack = { url: address, app, db, context, invalidation, acquirer, api, newMerchant } as unknown as Stack;
  const first = await newMerchant();
  Object.assign(stack, first);
  stack.close = async () => {
    await app.close();
    await context.outbound.close();
    await acquirer.close();
    await invalidation.close();
    await readDb?.close();
    await db.close();
  };
  return stack;
}

export { ManualClock };

/**
 * The one-time code in the newest verification message queued for a payment (the worker would send it),
 * read as the worker reads it: the body is sealed in the table.
 */
export async function sentVerificationCode(stack: Pick<Stack, 'db' | 'context'>, paymentId: string): Promise<string> {
  const row = await stack.db.db
    .selectFrom('messages')
    .select(['id', 'body_text', 'body_html', 'body_sealed'])
    .where('payment_id', '=', paymentId)
    .where('purpose', '=', 'customer_verification')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  const match = /\b(\d{6})\b/.exec(row ? openMessageBody(row, stack.context.keys.messages).text : '');
  if (!match?.[1]) throw new Error('no verification code was queued');
  return match[1];
}

/** A card that works with any future expiry. */
export function card(number: string, overrides: Partial<{ exp_month: number; exp_year: number; cvc: string }> = {}) {
  return { type: 'card', card: { number, exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc: '123', ...overrides } };
}
