/**
 * Customer segments: the customers' activity read from the store, clustered
 * off the event loop in a worker thread (segmentation-thread.ts), at most
 * `segmentThreadsMax` at once per process; the rest wait their turn.
 */
import { Worker } from 'node:worker_threads';
import type { CustomerActivity, SegmentationResult } from '../../domain/insight/customer-segments.ts';
import { limits } from '../../domain/limits.ts';
import type { Locale } from '../../domain/locale.ts';
import { customerActivity } from '../../store/customer-segments.ts';
import type { Scope } from '../../store/payments.ts';
import type { FlowContext } from '../context.ts';
import { onReadDatabase } from '../read-database.ts';

export interface SegmentsQuery {
  from: Date;
  to: Date;
  currency: string | null;
  paymentsPerCustomerMin: number;
  k: number;
}

export interface CustomerSegments {
  customersTotal: number;
  customersSegmented: number;
  result: SegmentationResult;
}

export async function customerSegments(context: FlowContext, scope: Scope, query: SegmentsQuery, locale: Locale): Promise<CustomerSegments> {
  const activity = await onReadDatabase(context, (db) =>
    customerActivity(db, scope, {
      from: query.from,
      to: query.to,
      currency: query.currency,
      paymentsPerCustomerMin: query.paymentsPerCustomerMin,
      customersMax: limits.segmentCustomersMax,
    }),
  );
  const result = await inThread(activity.customers, query.k, locale);
  return { customersTotal: activity.customersTotal, customersSegmented: activity.customers.length, result };
}

let threadsRunning = 0;
const waiting: (() => void)[] = [];

async function inThread(customers: CustomerActivity[], k: number, locale: Locale): Promise<SegmentationResult> {
  if (threadsRunning >= limits.segmentThreadsMax) await new Promise<void>((resolve) => waiting.push(resolve));
  threadsRunning += 1;
  try {
    return await runThread(customers, k, locale);
  } finally {
    threadsRunning -= 1;
    waiting.shift()?.();
  }
}

function runThread(customers: CustomerActivity[], k: number, locale: Locale): Promise<SegmentationResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./segmentation-thread.ts', import.meta.url), { workerData: { customers, k, locale } });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`customer segmentation took over ${limits.segmentComputeTimeoutMs} ms`));
    }, limits.segmentComputeTimeoutMs);
    worker.once('message', (result: SegmentationResult) => {
      clearTimeout(timer);
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    worker.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`the segmentation thread exited with ${code}`));
    });
  });
}
