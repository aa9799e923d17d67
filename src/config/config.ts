/**
 * The environment, parsed and checked once at start-up. Nothing else reads
 * process.env.
 */
import path from 'node:path';
import { limits } from '../domain/limits.ts';
import type { SmtpSettings } from '../messaging/mailer.ts';

export interface Config {
  host: string;
  port: number;
  /** Where the public can reach this API (checkout links, provider notify URLs). */
  publicBaseUrl: string;
  /** Unset: start the embedded PostgreSQL under dataDir. */
  databaseUrl: string | null;
  /** A streaming read replica of that database: analytics and console reads go there once it has caught up. Unset: every read on the primary. */
  databaseReadUrl: string | null;
  dataDir: string;
  /** Base64 of 32 bytes; the source of the keys for credentials and card fingerprints. Unset: one is made and kept in dataDir, outside production. */
  masterKey: Buffer | null;
  /** NODE_ENV=production (or `--production` on serve and worker): nothing is made up, a master key above all. */
  production: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Requests per second per API key; 0 turns the limit off. */
  rateLimitPerSecond: number;
  /** Per client address, per minute; 0 turns each off (see limits.ts for why the defaults are what they are). */
  addressRateLimits: { authFailuresPerMinute: number; payerRequestsPerMinute: number; notificationsPerMinute: number };
  /**
   * Fastify's `trustProxy`: whether (and which) proxies' X-Forwarded-For names
   * the client. Behind a load balancer, without it every client shares the
   * balancer's address, and so its per-address limits.
   */
  trustProxy: boolean | number | string[];
  /** Unset (no SMTP_HOST): emails are not sent, except by `npm start`, which runs a local mail catcher. */
  smtp: SmtpSettings | null;
  mailFrom: string;
  /** Unset (no SMS_URL): SMS are not sent, except by `npm start`, which runs a local SMS sink. */
  sms: { url: string; apiKey: string | null } | null;
  /**
   * The event stream for other systems (NATS JetStream): unset (no
   * PAYPILOT_NATS_URL), events are not streamed, only sent to webhooks.
   */
  eventStream: { natsUrl: string; stream: string; subjectPrefix: string } | null;
  /** Where `paypilot worker` serves its own /metrics (webhooks, messages); unset: nowhere. */
  workerMetricsPort: number | null;
  /**
   * Test-mode webhook endpoints and connector base URLs may reach addresses
   * that are not public (127.0.0.1, 10.x …). Live mode never may.
   * PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST; off unless set, except for `start`,
   * whose simulators listen on 127.0.0.1.
   */
  allowPrivateUrlsInTest: boolean;
  /** Shutdown: requests and worker jobs in flight get this long to finish (SHUTDOWN_GRACE_SECONDS, default 10). */
  shutdownGraceMs: number;
  /** `serve`'s /ready: the newest worker heartbeat may be this old (WORKER_HEARTBEAT_MAX_AGE_SECONDS, default 30; 0: not checked). */
  workerHeartbeatMaxAgeMs: number | null;
  /** `/ready` stays ready on migrations applied by a newer version (READY_ALLOWS_NEWER_MIGRATIONS; off by default). */
  readyAllowsNewerMigrations: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** What a command may default differently: `start` runs its simulators on 127.0.0.1. */
export interface ConfigDefaults {
  allowPrivateUrlsInTest?: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, defaults: ConfigDefaults = {}): Config {
  const port = parsePort(env.PORT ?? '4000', 'PORT');
  const host = env.HOST ?? '127.0.0.1';
  const publicBaseUrl = (env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(publicBaseUrl)) throw new ConfigError('PUBLIC_BASE_URL must start with http:// or https://');
  const databaseUrl = env.DATABASE_URL?.trim() ? env.DATABASE_URL.trim() : null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigError('DATABASE_URL must be a postgres:// URL');
  const databaseReadUrl = env.DATABASE_READ_URL?.trim() ? env.DATABASE_READ_URL.trim() : null;
  if (databaseReadUrl && !/^postgres(ql)?:\/\//.test(databaseReadUrl)) throw new ConfigError('DATABASE_READ_URL must be a postgres:// URL');
  if (databaseReadUrl && !databaseUrl) throw new ConfigError('DATABASE_READ_URL needs DATABASE_URL: a replica follows a primary the embedded PostgreSQL is not');
  const dataDir = path.resolve(env.PAYPILOT_DATA_DIR ?? '.paypilot');
  const masterKey = env.PAYPILOT_MASTER_KEY ? parseMasterKey(env.PAYPILOT_MASTER_KEY) : null;
  const logLevel = (env.LOG_LEVEL ?? 'info') as Config['logLevel'];
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent');
  }
  const rateLimitPerSecond = Number(env.RATE_LIMIT_PER_SECOND ?? '100');
  if (!Number.isFinite(rateLimitPerSecond) || rateLimitPerSecond < 0) throw new ConfigError('RATE_LIMIT_PER_SECOND must be a number ≥ 0');
  const workerMetricsPort = env.WORKER_METRICS_PORT ? parsePort(env.WORKER_METRICS_PORT, 'WORKER_METRICS_PORT') : null;
  const addressRateLimits = {
    authFailuresPerMinute: parsePerMinute(env, 'RATE_LIMIT_AUTH_FAILURES_PER_MINUTE', limits.authFailuresPerMinuteMax),
    payerRequestsPerMinute: parsePerMinute(env, 'RATE_LIMIT_PAYER_PER_MINUTE', limits.payerRequestsPerMinuteMax),
    notificationsPerMinute: parsePerMinute(env, 'RATE_LIMIT_NOTIFY_PER_MINUTE', limits.providerNotificationsPerMinuteMax),
  };
  const trustProxy = parseTrustProxy(env.TRUST_PROXY);
  const production = env.NODE_ENV === 'production';
  const allowPrivateUrlsInTest = parseFlag(env.PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST, 'PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST') ?? defaults.allowPrivateUrlsInTest ?? false;
  const shutdownGraceSeconds = Number(env.SHUTDOWN_GRACE_SECONDS ?? String(limits.shutdownGraceMsDefault / 1000));
  if (!Number.isFinite(shutdownGraceSeconds) || shutdownGraceSeconds < 0 || shutdownGraceSeconds * 1000 > limits.shutdownGraceMsMax) {
    throw new ConfigError(`SHUTDOWN_GRACE_SECONDS must be a number from 0 to ${limits.shutdownGraceMsMax / 1000}`);
  }
  const heartbeatMaxAgeSeconds = Number(env.WORKER_HEARTBEAT_MAX_AGE_SECONDS ?? String(limits.workerHeartbeatMaxAgeMsDefault / 1000));
  if (!Number.isFinite(heartbeatMaxAgeSeconds) || (heartbeatMaxAgeSeconds !== 0 && heartbeatMaxAgeSeconds * 1000 < 2 * limits.workerHeartbeatIntervalMs)) {
    throw new ConfigError(`WORKER_HEARTBEAT_MAX_AGE_SECONDS must be 0 (not checked) or at least ${(2 * limits.workerHeartbeatIntervalMs) / 1000} (two heartbeats)`);
  }
  return {
    shutdownGraceMs: Math.round(shutdownGraceSeconds * 1000),
    workerHeartbeatMaxAgeMs: heartbeatMaxAgeSeconds === 0 ? null : Math.round(heartbeatMaxAgeSeconds * 1000),
    readyAllowsNewerMigrations: parseFlag(env.READY_ALLOWS_NEWER_MIGRATIONS, 'READY_ALLOWS_NEWER_MIGRATIONS') ?? false,
    host,
    port,
    publicBaseUrl,
    databaseUrl,
    databaseReadUrl,
    dataDir,
    masterKey,
    production,
    logLevel,
    rateLimitPerSecond,
    addressRateLimits,
    trustProxy,
    workerMetricsPort,
    allowPrivateUrlsInTest,
    eventStream: eventStreamConfig(env),
    ...messagingConfig(env),
  };
}

function eventStreamConfig(env: NodeJS.ProcessEnv): Config['eventStream'] {
  const natsUrl = env.PAYPILOT_NATS_URL?.trim();
  if (!natsUrl) return null;
  if (!natsUrl.split(',').every((server) => /^(nats|tls):\/\/[^\s]+$/.test(server.trim()))) {
    throw new ConfigError('PAYPILOT_NATS_URL must be nats:// (or tls://) URLs separated by commas');
  }
  const stream = env.PAYPILOT_NATS_STREAM?.trim() || 'PAYPILOT_EVENTS';
  if (!/^[A-Za-z0-9_-]+$/.test(stream)) throw new ConfigError('PAYPILOT_NATS_STREAM must be letters, digits, _ or -');
  const subjectPrefix = env.PAYPILOT_NATS_SUBJECT_PREFIX?.trim() || 'paypilot.events';
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(subjectPrefix)) throw new ConfigError('PAYPILOT_NATS_SUBJECT_PREFIX must be dot-separated tokens without wildcards');
  return { natsUrl, stream, subjectPrefix };
}

function parsePerMinute(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = Number(env[name] ?? String(fallback));
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a whole number ≥ 0 (0 turns the limit off)`);
  return value;
}

/** `true`, `false`, a number of proxy hops, or a comma-separated list of proxy addresses or CIDR ranges. */
function parseTrustProxy(text: string | undefined): boolean | number | string[] {
  const value = text?.trim() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
}

/** true or false, or null when unset; anything else is a mistake worth stopping for. */
function parseFlag(text: string | undefined, name: string): boolean | null {
  const value = text?.trim().toLowerCase();
  if (value === undefined || value === '') return null;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigError(`${name} must be true or false`);
}

function messagingConfig(env: NodeJS.ProcessEnv): Pick<Config, 'smtp' | 'mailFrom' | 'sms'> {
  const host = env.SMTP_HOST?.trim();
  const secure = (env.SMTP_SECURE ?? 'false').toLowerCase();
  if (!['true', 'false'].includes(secure)) throw new ConfigError('SMTP_SECURE must be true (TLS from the start, port 465) or false (STARTTLS)');
  const smtp = host
    ? {
        host,
        port: parsePort(env.SMTP_PORT ?? (secure === 'true' ? '465' : '587'), 'SMTP_PORT'),
        secure: secure === 'true',
        user: env.SMTP_USER || null,
        password: env.SMTP_PASSWORD || null,
      }
    : null;
  const smsUrl = env.SMS_URL?.trim();
  if (smsUrl && !/^https?:\/\//.test(smsUrl)) throw new ConfigError('SMS_URL must start with http:// or https://');
  const mailFrom = env.MAIL_FROM?.trim() || 'Paypilot <no-reply@localhost>';
  return { smtp, mailFrom, sms: smsUrl ? { url: smsUrl, apiKey: env.SMS_API_KEY || null } : null };
}

function parsePort(text: string, name: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`${name} must be a port number`);
  return port;
}

export function parseMasterKey(text: string): Buffer {
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) throw new ConfigError('PAYPILOT_MASTER_KEY must be 32 bytes, base64-encoded');
  return key;
}
