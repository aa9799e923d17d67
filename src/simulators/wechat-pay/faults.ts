/**
 * Fault injection for the simulated WeChat Pay: ways to make its API slow or
 * failing, and its notifications lost, repeated, out of order, forged or
 * stale, so tests and demos can show what Paypilot does when they are.
 */
import { assert } from '../../domain/assert.ts';
import { parseFaultFields, takeFailure, type InjectedFailure as SharedInjectedFailure } from '../fault-parsing.ts';
import { limits } from '../../domain/limits.ts';

export const failModes = [
  /** Answer 500 SYSTEM_ERROR without doing the work. */
  'error_500',
  /** Do nothing and never answer; the socket is held until the server closes. */
  'timeout',
  /** Do the work, then answer only after lateMs: the dangerous case. */
  'respond_late',
] as const;
export type FailMode = (typeof failModes)[number];

export interface WechatPayFaults {
  /** Added to every /v3 request before it is handled. */
  latencyMs: number;
  /** How many of the next /v3 requests fail, each as failMode says. */
  failNext: number;
  /** Besides failNext: this percentage of the other requests fail, each as failMode says, chosen at random. */
  failPercent: number;
  failMode: FailMode;
  /** How late a respond_late answer comes. */
  lateMs: number;
  /** Every notification attempt is lost on the way (and so, unacknowledged, is resent on schedule). */
  dropNotifications: boolean;
  /** Every notification attempt is sent twice, with the same id and body. */
  duplicateNotifications: boolean;
  /** Notifications are held and sent newest first (in pairs, or alone after a short hold). */
  reorder: boolean;
  /** Notifications are signed with a key that is not the platform's (same serial). */
  forgeNotifications: boolean;
  /** Notifications are signed with a timestamp 10 minutes old. */
  staleTimestamps: boolean;
}

export const faultsDefault: Readonly<WechatPayFaults> = {
  latencyMs: 0,
  failNext: 0,
  failPercent: 0,
  failMode: 'error_500',
  // Later than the connector waits by default, so a late answer is by default
  // one the connector never sees.
  lateMs: limits.connectorTimeoutMs + 2_000,
  dropNotifications: false,
  duplicateNotifications: false,
  reorder: false,
  forgeNotifications: false,
  staleTimestamps: false,
};

const numberLimits = { latencyMs: 60_000, failNext: 10_000, failPercent: 100, lateMs: 120_000 } as const;
const flagNames = ['dropNotifications', 'duplicateNotifications', 'reorder', 'forgeNotifications', 'staleTimestamps'] as const;

assert(faultsDefault.lateMs > limits.connectorTimeoutMs, 'a late answer comes after the connector gave up');
assert(faultsDefault.lateMs <= numberLimits.lateMs, 'the default late answer is within its limit');

/** Reads a partial faults object (from JSON); answers an error message when it is not one. */
export function parseFaults(value: unknown): Partial<WechatPayFaults> | { error: string } {
  return parseFaultFields<WechatPayFaults, FailMode>(value, { failModes, integerLimits: numberLimits, flags: flagNames });
}

export type InjectedFailure = SharedInjectedFailure<FailMode>;
export { takeFailure };
