/**
 * Recent API requests for the Developers page, kept cheaply: a request only
 * appends a small row to an in-memory buffer (no I/O on its path); the buffer
 * is written in multi-row inserts every `requestLogFlushMs` or every
 * `requestLogBatchRowsMax` rows, whichever comes first, and rows older than
 * `requestLogRetentionMs` are pruned now and then.
 *
 * Bounded on every side: a buffer past `requestLogBufferRowsMax` drops new
 * rows (counted) rather than slow a request or grow; a batch that fails to
 * write is dropped, not retried. A crash loses what was not yet written (at
 * most a flush interval's rows). Never bodies, headers, query strings or
 * secrets: the row is built from the method, the path without its query, the
 * route, the status, the error code, the duration and the caller's ids.
 */
import { limits } from '../../domain/limits.ts';
import { insertRequestLogRows, listRequestLog, pruneRequestLog, type RequestLogFilter, type RequestLogRow } from '../../store/console/request-log.ts';
import type { FlowContext } from '../context.ts';
import { onReadDatabase } from '../read-database.ts';

export type { RequestLogRow };

export interface RequestLog {
  /** Appends a row to the buffer; never waits, never throws. */
  record(row: RequestLogRow): void;
  /** Writes every buffered row (a test's way to see its requests at once). */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
  /** Rows dropped because the buffer was full or a write failed. */
  readonly dropped: number;
}

export function startRequestLog(context: FlowContext, options: { onError?: (error: unknown) => void } = {}): RequestLog {
  let buffer: RequestLogRow[] = [];
  let dropped = 0;
  let writing: Promise<void> = Promise.resolve();
  let lastPruneMs = 0;

  async function writeAll(): Promise<void> {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, limits.requestLogBatchRowsMax);
      buffer = buffer.slice(batch.length);
      try {
        await insertRequestLogRows(context.db, batch);
      } catch (error) {
        dropped += batch.length;
        options.onError?.(error);
      }
    }
    const nowMs = context.clock.nowMs();
    if (nowMs - lastPruneMs >= limits.requestLogPruneEveryMs) {
      lastPruneMs = nowMs;
      await pruneRequestLog(context.db, new Date(nowMs - limits.requestLogRetentionMs)).catch((error: unknown) => options.onError?.(error));
    }
  }

  // One write at a time, in order: a flush asked for while one runs follows it.
  const flush = () => {
    writing = writing.then(writeAll);
    return writing;
  };
  const timer = setInterval(() => void flush(), limits.requestLogFlushMs);
  timer.unref();

  return {
    record(row) {
      if (buffer.length >= limits.requestLogBufferRowsMax) {
        dropped += 1;
        return;
      }
      buffer.push(row);
      if (buffer.length === limits.requestLogBatchRowsMax) void flush();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
    get dropped() {
      return dropped;
    },
  };
}

export async function recentRequests(context: FlowContext, merchantId: string, filter: RequestLogFilter) {
  const rows = await onReadDatabase(context, (db) => listRequestLog(db, merchantId, filter));
  const data = rows.slice(0, filter.limit).map((row) => ({
    object: 'api_request' as const,
    id: String(row.seq),
    request_id: row.request_id,
    method: row.method,
    path: row.path,
    route: row.route,
    status: row.status,
    error_code: row.error_code,
    duration_ms: row.duration_ms,
    key: row.key_id,
    member: row.member_id,
    mode: row.mode,
    occurred_at: row.occurred_at.toISOString(),
  }));
  return { data, hasMore: rows.length > filter.limit };
}

