import { describe, expect, it } from 'vitest';
import type { ConnectorFailure, PaymentOutcome } from '../../connectors/connector.ts';
import { ManualClock, seededRandom } from '../../domain/clock.ts';
import { limits } from '../../domain/limits.ts';
import { allDerivedProviderKeys, backoffDelayMs, callProvider, derivedProviderKey } from './connector-calls.ts';

const authorized: PaymentOutcome = { kind: 'authorized', reference: 'auth_1', captured: true, amountCaptured: 100n };
const declined: ConnectorFailure = { kind: 'declined', code: 'card_declined', declineCode: 'insufficient_funds', reference: 'auth_2', attemptsRemaining: null };
const unknown: ConnectorFailure = { kind: 'unknown', detail: 'timeout after sending' };
const retriable: ConnectorFailure = { kind: 'retriable', code: 'processing_error', detail: 'try again' };

/** A provider that answers from a script, records the keys it was called with, and takes `callMs` of clock time per call. */
function scriptedProvider(script: PaymentOutcome[], clock: ManualClock, callMs = 50) {
  const keys: string[] = [];
  const call = async (idempotencyKey: string): Promise<PaymentOutcome> => {
    keys.push(idempotencyKey);
    clock.advanceMs(callMs);
    const outcome = script[Math.min(keys.length - 1, script.length - 1)];
    if (!outcome) throw new Error('empty script');
    return outcome;
  };
  return { keys, call };
}

function testContext(seed = 1) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const sleeps: number[] = [];
  return {
    clock,
    sleeps,
    context: {
      clock,
      random: seededRandom(seed),
      sleep: async (ms: number) => {
        sleeps.push(ms);
        clock.advanceMs(ms);
      },
    },
  };
}

describe('callProvider', () => {
  it('returns a success at once, after one try', async () => {
    const { context, clock, sleeps } = testContext();
    const provider = scriptedProvider([authorized], clock);
    const result = await callProvider(context, 'att_1', provider.call);
    expect(result).toEqual({ outcome: authorized, tries: 1, latencyMs: 50 });
    expect(provider.keys).toEqual(['att_1']);
    expect(sleeps).toEqual([]);
  });

  it('never retries a decline', async () => {
    const { context, clock, sleeps } = testContext();
    const provider = scriptedProvider([declined, authorized], clock);
    const result = await callProvider(context, 'att_1', provider.call);
    expect(result.outcome).toEqual(declined);
    expect(result.tries).toBe(1);
    expect(provider.keys).toEqual(['att_1']);
    expect(sleeps).toEqual([]);
  });

  it('retries an unknown outcome with the SAME key, so the provider can deduplicate', async () => {
    const { context, clock } = testContext();
    const provider = scriptedProvider([unknown, unknown, authorized], clock);
    const result = await callProvider(context, 'att_1', provider.call);
    expect(result.outcome).toEqual(authorized);
    expect(result.tries).toBe(3);
    expect(provider.keys).toEqual(['att_1', 'att_1', 'att_1']);
  });

  it('retries a retriable failure with the next derived key (K-r1, then K-r2)', async () => {
    const { context, clock } = testContext();
    const provider = scriptedProvider([retriable, retriable, authorized], clock);
    const result = await callProvider(context, 'att_1', provider.call);
    expect(result.outcome).toEqual(authorized);
    expect(provider.keys).toEqual(['att_1', 'att_1-r1', 'att_1-r2']);
  });

  it('keeps the key after an unknown and moves on only after a retriable (K, K, K-r1)', async () => {
    const { context, clock } = testContext();
    const provider = scriptedProvider([unknown, retriable, authorized], clock);
    await callProvider(context, 'att_1', provider.call);
    expect(provider.keys).toEqual(['att_1', 'att_1', 'att_1-r1']);
    const second = testContext();
    const other = scriptedProvider([retriable, unknown, authorized], second.clock);
    await callProvider(second.context, 'att_1', other.call);
    expect(other.keys).toEqual(['att_1', 'att_1-r1', 'att_1-r1']);
  });

  it(`stops after limits.connectorAttemptsMax (${limits.connectorAttemptsMax}) tries and returns the last failure`, async () => {
    for (const failure of [unknown, retriable]) {
      const { context, clock, sleeps } = testContext();
      const provider = scriptedProvider([failure], clock);
      const result = await callProvider(context, 'att_1', provider.call);
      expect(result.outcome).toEqual(failure);
      expect(result.tries).toBe(limits.connectorAttemptsMax);
      expect(provider.keys).toHaveLength(limits.connectorAttemptsMax);
      expect(sleeps).toHaveLength(limits.connectorAttemptsMax - 1);
    }
  });

  it('stops early when another try could not finish within the call budget', async () => {
    const { context, clock, sleeps } = testContext();
    // One slow call uses most of the budget: a retry plus a full timeout would exceed it.
    const provider = scriptedProvider([unknown, authorized], clock, limits.connectorCallBudgetMs - limits.connectorTimeoutMs);
    const result = await callProvider(context, 'att_1', provider.call);
    expect(result.outcome).toEqual(unknown);
    expect(result.tries).toBe(1);
    expect(sleeps).toEqual([]);
    expect(result.latencyMs).toBe(limits.connectorCallBudgetMs - limits.connectorTimeoutMs);
  });

  it('waits the backoff the seed gives between tries, and counts it in the latency', async () => {
    const { context, clock, sleeps } = testContext(99);
    const provider = scriptedProvider([retriable, retriable, authorized], clock, 10);
    const result = await callProvider(context, 'att_1', provider.call);
    const replay = seededRandom(99);
    const expected = [backoffDelayMs(1, replay.bytes(1)[0]!), backoffDelayMs(2, replay.bytes(1)[0]!)];
    expect(sleeps).toEqual(expected);
    expect(result.latencyMs).toBe(30 + expected[0]! + expected[1]!);
  });

  it('uses only keys allDerivedProviderKeys lists, over many seeded failure sequences', async () => {
    const pool = [authorized, declined, unknown, retriable];
    const random = seededRandom(7);
    for (let run = 0; run < 300; run += 1) {
      const script = Array.from(random.bytes(limits.connectorAttemptsMax), (byte) => pool[byte % pool.length]!);
      const { context, clock } = testContext(run);
      const provider = scriptedProvider(script, clock);
      const result = await callProvider(context, 'att_x', provider.call);
      const allowed = allDerivedProviderKeys('att_x');
      for (const key of provider.keys) expect(allowed, script.map((o) => o.kind).join()).toContain(key);
      expect(result.tries).toBe(provider.keys.length);
      expect(result.tries).toBeLessThanOrEqual(limits.connectorAttemptsMax);
      // Never a second call after a final answer.
      const finalIndex = script.findIndex((o) => o.kind !== 'unknown' && o.kind !== 'retriable');
      if (finalIndex >= 0) expect(provider.keys.length).toBeLessThanOrEqual(finalIndex + 1);
    }
  });
});

describe('backoffDelayMs', () => {
  it('grows with each try until it reaches the cap', () => {
    for (const randomByte of [0, 128, 255]) {
      const delays = Array.from({ length: 12 }, (_, i) => backoffDelayMs(i + 1, randomByte));
      for (let i = 1; i < delays.length; i += 1) expect(delays[i]!).toBeGreaterThanOrEqual(delays[i - 1]!);
      expect(delays[1]!).toBeGreaterThan(delays[0]!);
      expect(delays.at(-1)).toBe(delays.at(-2));
    }
  });

  it('stays between half the ceiling and the ceiling, and never above connectorRetryDelayMaxMs', () => {
    for (let tryNumber = 1; tryNumber <= 40; tryNumber += 1) {
      const ceilingMs = Math.min(limits.connectorRetryDelayMaxMs, limits.connectorRetryBaseDelayMs * 2 ** (tryNumber - 1));
      for (let randomByte = 0; randomByte <= 255; randomByte += 1) {
        const delayMs = backoffDelayMs(tryNumber, randomByte);
        expect(Number.isInteger(delayMs)).toBe(true);
        expect(delayMs).toBeGreaterThanOrEqual(Math.floor(ceilingMs / 2));
        expect(delayMs).toBeLessThanOrEqual(ceilingMs);
        expect(delayMs).toBeLessThanOrEqual(limits.connectorRetryDelayMaxMs);
      }
    }
  });

  it('starts from the base delay: the first wait is 50–100 ms', () => {
    expect(backoffDelayMs(1, 0)).toBe(limits.connectorRetryBaseDelayMs / 2);
    expect(backoffDelayMs(1, 255)).toBe(limits.connectorRetryBaseDelayMs);
  });

  it('stays finite for an absurd try number', () => {
    expect(backoffDelayMs(10_000, 255)).toBe(limits.connectorRetryDelayMaxMs);
  });
});

describe('derived provider keys', () => {
  it('derives K, K-r1, K-r2 … one per allowed try', () => {
    expect(derivedProviderKey('att_1', 0)).toBe('att_1');
    expect(derivedProviderKey('att_1', 2)).toBe('att_1-r2');
    const keys = allDerivedProviderKeys('att_1');
    expect(keys).toHaveLength(limits.connectorAttemptsMax);
    expect(keys).toEqual(Array.from({ length: limits.connectorAttemptsMax }, (_, n) => (n === 0 ? 'att_1' : `att_1-r${n}`)));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('never derives a key that collides with another attempt’s keys', () => {
    const a = allDerivedProviderKeys('att_01');
    const b = allDerivedProviderKeys('att_02');
    expect(a.filter((key) => b.includes(key))).toEqual([]);
  });
});
