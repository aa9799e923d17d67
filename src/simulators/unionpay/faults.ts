/**
 * Fault injection for the simulated UnionPay gateway: ways to make its API
 * slow or failing, and its back notifications lost, repeated, out of order or
 * forged, so tests can show that none of it makes Paypilot charge or refund
 * wrongly.
 *
 * Counts rather than switches: "the next N" is deterministic, and a test
 * that sets 1 knows exactly which message was affected.
 */
import { assert } from '../../domain/assert.ts';
import { parseFaultFields, takeFailure, type InjectedFailure as SharedInjectedFailure } from '../fault-parsing.ts';
import { limits } from '../../domain/limits.ts';

export const failModes = [
  /** Answer HTTP 500 without doing the work. */
  'error_500',
  /** Do nothing and never answer; the socket is held until the server closes. */
  'timeout',
  /** Do the work (a refund, say), then answer only after lateMs: the dangerous case. */
  'respond_late',
] as const;
export type FailMode = (typeof failModes)[number];

export interface UnionpayFaults {
  /** Added to every /gateway/api request before it is handled. */
  latencyMs: number;
  /** How many of the next backTransReq/queryTrans/fileTransfer requests fail, each as failMode says. */
  failNext: number;
  /** Besides failNext: this percentage of the other requests fail, each as failMode says, chosen at random. */
  failPercent: number;
  failMode: FailMode;
  /** How late a respond_late answer comes. */
  lateMs: number;
  /** The next N notification attempts are lost on the way (counted as unanswered, so resent on schedule). */
  dropNotifications: number;
  /** The next N notification attempts are delivered twice. */
  duplicateNotifications: number;
  /** The next N new notifications are held back by reorderHoldMs, so later ones overtake them. */
  reorder: number;
  reorderHoldMs: number;
  /** The next N new notifications are preceded by a forged copy (amount changed, signed with a key that is not UnionPay's). */
  forgeNotifications: number;
}

export const faultsDefault: Readonly<UnionpayFaults> = {
  latencyMs: 0,
  failNext: 0,
  failPercent: 0,
  failMode: 'error_500',
  // Later than the connector waits by default, so a late answer is one the connector never sees.
  lateMs: limits.connectorTimeoutMs + 2_000,
  dropNotifications: 0,
  duplicateNotifications: 0,
  reorder: 0,
  reorderHoldMs: 200,
  forgeNotifications: 0,
};

const faultLimits = {
  latencyMs: 60_000,
  failNext: 10_000,
  failPercent: 100,
  lateMs: 120_000,
  dropNotifications: 10_000,
  duplicateNotifications: 10_000,
  reorder: 10_000,
  reorderHoldMs: 60_000,
  forgeNotifications: 10_000,
} as const;

assert(faultsDefault.lateMs > limits.connectorTimeoutMs, 'a late answer comes after the connector gave up');
assert(faultsDefault.lateMs <= faultLimits.lateMs, 'the default late answer is within its limit');

/** Reads a partial faults object (from JSON); answers an error message when it is not one. */
export function parseFaults(value: unknown): Partial<UnionpayFaults> | { error: string } {
  return parseFaultFields<UnionpayFaults, FailMode>(value, { failModes, integerLimits: faultLimits });
}

export type InjectedFailure = SharedInjectedFailure<FailMode>;
export { takeFailure };

/** Takes one unit of a notification fault counter; true when this message is affected. */
export function takeCount(faults: UnionpayFaults, name: 'dropNotifications' | 'duplicateNotifications' | 'reorder' | 'forgeNotifications'): boolean {
  if (faults[name] === 0) return false;
  faults[name] -= 1;
  return true;
}
