/**
 * Token buckets shared by every API process (migration 0032): one statement
 * refills a bucket for the time elapsed and takes up to `batch` whole tokens
 * from it, answering how many it took and what is left. Buckets that fill up
 * again are not kept forever: `forgetIdleBuckets` (run by the worker) removes
 * those idle for longer than any full refill takes.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';

export interface BucketInput {
  bucket: string;
  ratePerSecond: number;
  burst: number;
  now: Date;
}

/** Takes up to `batch` whole tokens: how many it took, and the (fractional) tokens left after. */
export async function drawTokens(db: Db, input: BucketInput & { batch: number }): Promise<{ granted: number; tokensLeft: number }> {
  const { bucket, ratePerSecond, burst, batch, now } = input;
  const refilled = sql`least(${burst}::float8, b.tokens + greatest(0, extract(epoch from (${now}::timestamptz - b.refilled_at))) * ${ratePerSecond}::float8)`;
  const result = await sql<{ last_grant: number; tokens: number }>`
    insert into rate_limit_buckets as b (bucket, tokens, last_grant, refilled_at)
    values (${bucket}, ${burst}::float8 - least(${batch}::int, ${burst}::int), least(${batch}::int, ${burst}::int), ${now}::timestamptz)
    on conflict (bucket) do update set
      last_grant = least(${batch}::int, floor(${refilled})::int),
      tokens = ${refilled} - least(${batch}::int, floor(${refilled})::int),
      refilled_at = greatest(b.refilled_at, ${now}::timestamptz)
    returning last_grant, tokens`.execute(db);
  const row = result.rows[0];
  return { granted: row?.last_grant ?? 0, tokensLeft: Number(row?.tokens ?? 0) };
}

/** The tokens a bucket holds now, without taking any (a bucket never drawn from is full). */
export async function peekTokens(db: Db, input: BucketInput): Promise<number> {
  const { bucket, ratePerSecond, burst, now } = input;
  const result = await sql<{ tokens: number }>`
    select least(${burst}::float8, b.tokens + greatest(0, extract(epoch from (${now}::timestamptz - b.refilled_at))) * ${ratePerSecond}::float8) as tokens
      from rate_limit_buckets b where b.bucket = ${bucket}`.execute(db);
  const row = result.rows[0];
  return row ? Number(row.tokens) : burst;
}

/**
 * Deletes up to `limit` buckets untouched since `idleSince` (by then each is
 * full again, so a later draw that creates it afresh sees the same tokens):
 * addresses and keys come and go, and their buckets must not pile up.
 */
export async function forgetIdleBuckets(db: Db, idleSince: Date, limit: number): Promise<number> {
  const result = await sql`
    delete from rate_limit_buckets
     where bucket in (select bucket from rate_limit_buckets where refilled_at < ${idleSince}::timestamptz limit ${limit})
       and refilled_at < ${idleSince}::timestamptz`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
