/**
 * The customer's k-means segment for the `customer_segment` signal: its
 * segment in the newest kept segmentation (customer_segment_results,
 * migration 0034) of the merchant that holds it. Kept members are JSON text;
 * a plain substring test skips the segmentations that do not name the
 * customer before any is parsed, and only the newest few are looked at.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';
import type { Scope } from './scope.ts';

const segmentationsReadMax = 5;

export async function customerSegmentOf(db: Db, scope: Scope, customerId: string): Promise<string> {
  const needle = `"customerId":${JSON.stringify(customerId)}`;
  const result = await sql<{ segment: string | null }>`
    select m->>'segment' as segment
      from (select computed_at, members from customer_segment_results
             where merchant_id = ${scope.merchantId} and mode = ${scope.mode} and strpos(members, ${needle}) > 0
             order by computed_at desc limit ${segmentationsReadMax}) r
      cross join lateral jsonb_array_elements(r.members::jsonb) m
     where m->'features'->>'customerId' = ${customerId}
     order by r.computed_at desc
     limit 1
  `.execute(db);
  return result.rows[0]?.segment ?? '';
}
