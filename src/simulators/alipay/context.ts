/** The simulated gateway's state as its parts share it. */
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../../domain/clock.ts';
import type { AlipayFaults } from './faults.ts';
import type { Notifier } from './notifications.ts';
import { SimulatorStore } from '../persistence/store.ts';
import type { SimulatorState } from './trades.ts';

export interface Context {
  state: SimulatorState;
  faults: AlipayFaults;
  readonly store: SimulatorStore;
  readonly clock: Clock;
  readonly alipayPrivateKey: KeyObject;
  readonly alipayPublicKeyPem: string;
  readonly notifier: Notifier;
  baseUrl: string;
  sleep(ms: number): Promise<void>;
}
