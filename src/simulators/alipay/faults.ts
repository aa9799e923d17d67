/**
 * Fault injection for the simulated Alipay: a slow or failing gateway, and
 * notifications that are lost, duplicated, reordered or forged, so tests and
 * demos can show that none of these makes Paypilot charge, refund or believe
 * a payment twice.
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
  /** Answer a signed 20000 (service unavailable) without doing the work. Not in the original brief. */
  'error_20000',
] as const;
export type FailMode = (typeof failModes)[number];

export interface AlipayFaults {
  /** Added to every gateway request before it is handled. */
  latencyMs: number;
  /** How many of the next gateway requests fail, each as failMode says. */
  failNext: number;
  /** Besides failNext: this percentage of the other requests fail, each as failMode says, chosen at random. */
  failPercent: number;
  failMode: FailMode;
  /** How late a respond_late answer comes. */
  lateMs: number;
  /** How many of the next notification attempts are lost on the way (each counts as unanswered, so it is resent). */
  dropNotifications: number;
  /** How many of the next notifications are delivered twice per attempt (same notify_id). */
  duplicateNotifications: number;
  /** How many of the next notifications are held back by reorderDelayMs, so a later one arrives first. */
  reorder: number;
  reorderDelayMs: number;
  /** How many of the next notifications are preceded by a copy signed with a key that is not Alipay's. */
  forgeNotifications: number;
}

export const faultsDefault: Readonly<AlipayFaults> = {
  latencyMs: 0,
  failNext: 0,
  failPercent: 0,
  failMode: 'error_500',
  // Later than the connector waits by default, so by default a late answer is one it never sees.
  lateMs: limits.connectorTimeoutMs + 2_000,
  dropNotifications: 0,
  duplicateNotifications: 0,
  reorder: 0,
  reorderDelayMs: 300,
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
  reorderDelayMs: 60_000,
  forgeNotifications: 10_000,
} as const;

assert(faultsDefault.lateMs > limits.connectorTimeoutMs, 'a late answer comes after the connector gave up');
assert(faultsDefault.lateMs <= faultLimits.lateMs, 'the default late answer is within its limit');

/** Reads a partial faults object (from JSON); answers an error message when it is not one. */
export function parseFaults(value: unknown): Partial<AlipayFaults> | { error: string } {
  return parseFaultFields<AlipayFaults, FailMode>(value, { failModes, integerLimits: faultLimits });
}

export type InjectedFailure = SharedInjectedFailure<FailMode>;
export { takeFailure };

type CountedFault = 'dropNotifications' | 'duplicateNotifications' | 'reorder' | 'forgeNotifications';

/** True when this occurrence gets the fault, counting it down. */
export function takeCounted(faults: AlipayFaults, name: CountedFault): boolean {
  if (faults[name] === 0) return false;
  faults[name] -= 1;
  return true;
}
