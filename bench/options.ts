/** What a bench run was asked for: read by the runner (payments.ts) and the report. */
import type { ReferenceClient } from './reference.ts';

export interface Options {
  quick: boolean;
  concurrency: number;
  seconds: number;
  warmupSeconds: number;
  withIdempotencyKeys: boolean;
  poolSize: number;
  profile: boolean;
  rates: number[];
  openSeconds: number;
  referenceClients: number;
  referenceClient: ReferenceClient | null;
  segmentCustomers: number;
  worker: boolean;
}
