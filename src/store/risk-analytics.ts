/**
 * The risk analytics of payments created in a range, in one statement: the
 * fraud rate's parts, each payment's final decision, challenges passed,
 * review decision times and false positives (a payer blocked or rejected who
 * later paid the merchant successfully, by customer or card).
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';
import type { Scope } from './scope.ts';

export interface RiskAnalyticsRow {
  succeeded: string;
  fraudulent: string;
  decided: string;
  allowed: string;
  challenged: string;
  reviewed: string;
  blocked: string;
  challenges_passed: string;
  reviews_approved: string;
  reviews_rejected: string;
  reviews_pending: string;
  review_seconds_p50: number | null;
  review_seconds_p90: number | null;
  false_positives: string;
}

export async function riskAnalyticsRow(db: Db, scope: Scope, range: { from: Date; to: Date }): Promise<RiskAnalyticsRow> {
  const result = await sql<RiskAnalyticsRow>`
    with created as (
      select id, status from payments
      where merchant_id = ${scope.merchantId} and mode = ${scope.mode} and created_at >= ${range.from} and created_at < ${range.to}
    ),
    decided as (
      select distinct on (d.payment_id) d.payment_id, d.action, d.customer_id, d.card_fingerprint, d.created_at,
        bool_or(d.challenge_passed) over (partition by d.payment_id) as passed,
        bool_or(d.action = 'challenge') over (partition by d.payment_id) as was_challenged
      from risk_decisions d join created c on c.id = d.payment_id
      order by d.payment_id, d.created_at desc, d.id desc
    ),
    reviews as (
      select r.status, extract(epoch from (r.decided_at - r.created_at)) as seconds
      from risk_reviews r join created c on c.id = r.payment_id
    ),
    refused as (
      select d.payment_id, d.customer_id, d.card_fingerprint, d.created_at from decided d where d.action = 'block'
      union all
      select d.payment_id, d.customer_id, d.card_fingerprint, d.created_at
      from decided d join risk_reviews r on r.payment_id = d.payment_id where r.status = 'rejected'
    )
    select
      (select count(*) from created where status = 'succeeded') as succeeded,
      (select count(*) from payment_fraud_marks m join created c on c.id = m.payment_id) as fraudulent,
      (select count(*) from decided) as decided,
      (select count(*) from decided where action = 'allow') as allowed,
      (select count(*) from decided where was_challenged) as challenged,
      (select count(*) from decided where action = 'review') as reviewed,
      (select count(*) from decided where action = 'block') as blocked,
      (select count(*) from decided where was_challenged and passed) as challenges_passed,
      (select count(*) from reviews where status = 'approved') as reviews_approved,
      (select count(*) from reviews where status = 'rejected') as reviews_rejected,
      (select count(*) from reviews where status = 'pending') as reviews_pending,
      (select percentile_cont(0.5) within group (order by seconds) from reviews where seconds is not null) as review_seconds_p50,
      (select percentile_cont(0.9) within group (order by seconds) from reviews where seconds is not null) as review_seconds_p90,
      (select count(*) from refused f where exists (
        select 1 from risk_decisions later join payments p on p.id = later.payment_id
        where later.merchant_id = ${scope.merchantId} and later.mode = ${scope.mode} and later.created_at > f.created_at
          and later.payment_id <> f.payment_id and p.status = 'succeeded'
          and (later.customer_id = f.customer_id or later.card_fingerprint = f.card_fingerprint))) as false_positives
  `.execute(db);
  const row = result.rows[0];
  if (!row) throw new Error('the risk analytics answer one row');
  return row;
}
