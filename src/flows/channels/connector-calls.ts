/**
 * How flows call a provider: bounded retries with exponential backoff and
 * jitter, and idempotency keys derived from the attempt so that a retry can
 * never charge twice.
 *
 * - `unknown` (we cannot tell whether the provider acted): retried with the
 *   SAME key, which the provider deduplicates.
 * - `retriable` (the provider said nothing happened): retried with the next
 *   derived key. Keys are derived deterministically (`K`, `K-r1`, `K-r2`), so
 *   a status query after a crash can ask about every key that may have been
 *   used without any of them having been written down first.
 * - anything else is final and returned at once; declines are never retried.
 */
import { limits } from '../../domain/limits.ts';
import type { ConnectorFailure } from '../../connectors/connector.ts';
import type { FlowContext } from '../context.ts';

export function derivedProviderKey(attemptKey: string, retryNumber: number): string {
  return retryNumber === 0 ? attemptKey : `${attemptKey}-r${retryNumber}`;
}

/** Every key a call under `attemptKey` may have used, for status queries. */
export function allDerivedProviderKeys(attemptKey: string): string[] {
  return Array.from({ length: limits.connectorAttemptsMax }, (_, n) => derivedProviderKey(attemptKey, n));
}

export interface CallResult<T> {
  outcome: T | ConnectorFailure;
  tries: number;
  latencyMs: number;
}

export async function callProvider<T extends { kind: string }>(
  context: Pick<FlowContext, 'clock' | 'random' | 'sleep'> & Partial<Pick<FlowContext, 'metrics'>>,
  attemptKey: string,
  call: (idempotencyKey: string) => Promise<T | ConnectorFailure>,
  options: { timeoutMs?: number; connector?: string; operation?: string } = {},
): Promise<CallResult<T>> {
  const result = await callWithRetries(context, attemptKey, call, options.timeoutMs ?? limits.connectorTimeoutMs);
  if (context.metrics && options.connector && options.operation) {
    const labels = { connector: options.connector, operation: options.operation };
    context.metrics.providerCallSeconds.observe({ ...labels, outcome: result.outcome.kind }, result.elapsedSeconds);
    context.metrics.providerCallTries.inc(labels, result.tries);
  }
  return { outcome: result.outcome, tries: result.tries, latencyMs: result.latencyMs };
}

async function callWithRetries<T extends { kind: string }>(
  context: Pick<FlowContext, 'clock' | 'random' | 'sleep'>,
  attemptKey: string,
  call: (idempotencyKey: string) => Promise<T | ConnectorFailure>,
  timeoutMs: number,
): Promise<CallResult<T> & { elapsedSeconds: number }> {
  // Real time for the metrics, whatever clock the flows run on.
  const started = performance.now();
  const elapsedSeconds = () => (performance.now() - started) / 1000;
  const startedMs = context.clock.nowMs();
  let retryNumber = 0;
  let tries = 0;
  for (;;) {
    tries += 1;
    const outcome = await call(derivedProviderKey(attemptKey, retryNumber));
    const retryable = outcome.kind === 'unknown' || outcome.kind === 'retriable';
    if (!retryable || tries >= limits.connectorAttemptsMax) {
      return { outcome, tries, latencyMs: context.clock.nowMs() - startedMs, elapsedSeconds: elapsedSeconds() };
    }
    const delayMs = backoffDelayMs(tries, context.random.bytes(1)[0] ?? 0);
    const elapsedMs = context.clock.nowMs() - startedMs;
    if (elapsedMs + delayMs + timeoutMs > limits.connectorCallBudgetMs) {
      return { outcome, tries, latencyMs: elapsedMs, elapsedSeconds: elapsedSeconds() };
    }
    await context.sleep(delayMs);
    if (outcome.kind === 'retriable') retryNumber += 1;
  }
}

/** Exponential backoff with "equal jitter": half fixed, half random. */
export function backoffDelayMs(tryNumber: number, randomByte: number): number {
  const ceilingMs = Math.min(limits.connectorRetryDelayMaxMs, limits.connectorRetryBaseDelayMs * 2 ** (tryNumber - 1));
  return Math.round(ceilingMs / 2 + (ceilingMs / 2) * (randomByte / 255));
}
