/**
 * Fault injection: ways to make the simulated acquirer misbehave, so tests
 * and demos can show what Paypilot does when a provider is slow, fails, or
 * charges without telling us.
 */
import { assert } from '../../domain/assert.ts';
import { parseFaultFields, takeFailure, type InjectedFailure as SharedInjectedFailure } from '../fault-parsing.ts';
import { limits } from '../../domain/limits.ts';

export const failModes = [
  /** Answer 500 without doing the work. */
  'error_500',
  /** Do nothing and never answer; the socket is held until the server closes. */
  'timeout',
  /** Do the work (a charge, say), then answer only after lateMs: the dangerous case. */
  'respond_late',
  /** Do the work, then destroy the socket instead of answering. */
  'drop_after_processing',
] as const;
export type FailMode = (typeof failModes)[number];

export interface CardAcquirerFaults {
  /** Added to every /v1 request before it is handled. */
  latencyMs: number;
  /**
   * How long the work of an idempotent request takes while it holds its key;
   * during that time the same key gets 409. (Not in the original brief: it is
   * what makes the "still being processed" answer reachable.)
   */
  processingMs: number;
  /** How many of the next /v1 requests fail, each as failMode says. */
  failNext: number;
  /** Besides failNext: this percentage of the other requests fail, each as failMode says, chosen at random. */
  failPercent: number;
  failMode: FailMode;
  /** How late a respond_late answer comes. */
  lateMs: number;
}

export const faultsDefault: Readonly<CardAcquirerFaults> = {
  latencyMs: 0,
  processingMs: 0,
  failNext: 0,
  failPercent: 0,
  failMode: 'error_500',
  // Later than the connector waits by default, so a late answer is by default
  // one the connector never sees.
  lateMs: limits.connectorTimeoutMs + 2_000,
};

const faultLimits = { latencyMs: 60_000, processingMs: 60_000, failNext: 10_000, failPercent: 100, lateMs: 120_000 } as const;

assert(faultsDefault.lateMs > limits.connectorTimeoutMs, 'a late answer comes after the connector gave up');
assert(faultsDefault.lateMs <= faultLimits.lateMs, 'the default late answer is within its limit');

/** Reads a partial faults object (from JSON); answers an error message when it is not one. */
export function parseFaults(value: unknown): Partial<CardAcquirerFaults> | { error: string } {
  return parseFaultFields<CardAcquirerFaults, FailMode>(value, { failModes, integerLimits: faultLimits });
}

export type InjectedFailure = SharedInjectedFailure<FailMode>;
export { takeFailure };
