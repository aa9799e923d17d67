/**
 * A worker thread that runs k-means for one request (seconds for 50 000
 * customers), so the API's event loop goes on serving payments meanwhile.
 * It receives the customers' activity and answers the segmentation.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { segmentCustomers, type CustomerActivity } from '../../domain/insight/customer-segments.ts';
import type { Locale } from '../../domain/locale.ts';

const input = workerData as { customers: CustomerActivity[]; k: number; locale: Locale };
parentPort?.postMessage(segmentCustomers(input.customers, input.k, input.locale));
