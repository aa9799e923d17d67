/**
 * Token buckets shared by every API process (migration 0032): one statement
 * refills a bucket for the time elapsed and takes up to `batch` whole tokens
 * from it, answering how many it took. Buckets that fill up again are not
 * kept forever: `forgetFullBuckets` removes those idle for longer than a full
 * refill takes.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';

export async function drawTokens(db: Db, input: { bucket: string; ratePerSecond: number; burst: number; batch: number; now: Date }): Promise<number> {
  const { bucket, ratePerSecond, burst, batch, now } = input;
  const refilled = sql`least(${burst}::float8, b.tokens + greatest(0, extract(epoch from (${now}::timestamptz - b.refilled_at))) * ${ratePerSecond}::float8)`;
  const result = await sql<{ last_grant: number }>`
    insert into rate_limit_buckets as b (bucket, tokens, last_grant, refilled_at)
    values (${bucket}, ${burst}::float8 - least(${batch}::int, ${burst}::int), least(${batch}::int, ${burst}::int), ${now}::timestamptz)
    on conflict (bucket) do update set
      last_grant = least(${batch}::int, floor(${refilled})::int),
      tokens = ${refilled} - least(${batch}::int, floor(${refilled})::int),
      refilled_at = greatest(b.refilled_at, ${now}::timestamptz)
    returning last_grant`.execute(db);
  return result.rows[0]?.last_grant ?? 0;
}
