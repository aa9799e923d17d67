/** Answers CSV instead of JSON when the caller asks for it with `Accept: text/csv`, as every analytics endpoint does. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toCsv, type CsvValue } from '../domain/csv.ts';

export function wantsCsv(request: FastifyRequest): boolean {
  return /\btext\/csv\b/i.test(request.headers.accept ?? '');
}

/** Sends the rows as a CSV attachment named `filename` (without extension). */
export function sendCsv(reply: FastifyReply, filename: string, columns: readonly string[], rows: readonly Record<string, CsvValue>[]): FastifyReply {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename.replace(/[^A-Za-z0-9_.-]/g, '_')}.csv"`)
    .send(toCsv(columns, rows));
}

/** 2026-03-01T08:00:00.000Z → 20260301T080000Z, for a file name. */
export function fileStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
