/**
 * NPS surveys: the merchant's settings, the surveys sent and the customers
 * who unsubscribed. A survey row is inserted only when the customer has not
 * unsubscribed and has none in the period (one statement, a unique
 * constraint), in the transaction that queues its email.
 */
import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { Mode } from '../schema.ts';
import type { Scope } from '../payments.ts';
import type { NpsSurveySettingsTable, NpsSurveysTable } from '../tables/support.ts';
import type { Selectable } from 'kysely';

export type NpsSurveySettingsRow = Selectable<NpsSurveySettingsTable>;
export type NpsSurveyRow = Selectable<NpsSurveysTable>;

export async function findSurveySettings(db: Db, scope: Scope): Promise<NpsSurveySettingsRow | undefined> {
  return db.selectFrom('nps_survey_settings').selectAll().where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).executeTakeFirst();
}

/** A partial change sets only its fields, in one statement, over the defaults when there were no settings. */
export async function saveSurveySettings(
  db: Db,
  scope: Scope,
  change: { enabled?: boolean; delayDays?: number; periodDays?: number },
  defaults: { enabled: boolean; delayDays: number; periodDays: number },
  now: Date,
): Promise<NpsSurveySettingsRow> {
  return db
    .insertInto('nps_survey_settings')
    .values({
      merchant_id: scope.merchantId,
      mode: scope.mode,
      enabled: change.enabled ?? defaults.enabled,
      delay_days: change.delayDays ?? defaults.delayDays,
      period_days: change.periodDays ?? defaults.periodDays,
      updated_at: now,
    })
    .onConflict((conflict) =>
      conflict.columns(['merchant_id', 'mode']).doUpdateSet({
        ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
        ...(change.delayDays !== undefined ? { delay_days: change.delayDays } : {}),
        ...(change.periodDays !== undefined ? { period_days: change.periodDays } : {}),
        updated_at: now,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listEnabledSurveySettings(db: Db): Promise<NpsSurveySettingsRow[]> {
  return db.selectFrom('nps_survey_settings').selectAll().where('enabled', '=', true).orderBy('merchant_id').orderBy('mode').execute();
}

export interface SurveyCandidate {
  payment_id: string;
  customer_id: string;
  email: string;
  locale: string;
  customer_name: string | null;
}

/**
 * Customers of one merchant whose payment succeeded in `[from, to)`, who can
 * be emailed, have not unsubscribed and have no survey in `periodNumber`:
 * one per customer (their latest such payment). `paymentIdFloor` bounds the
 * scan to payments created early enough to have succeeded in the window.
 */
export async function findSurveyCandidates(
  db: Db,
  settings: { merchantId: string; mode: Mode; periodNumber: number },
  window: { from: Date; to: Date; paymentIdFloor: string },
  limit: number,
): Promise<SurveyCandidate[]> {
  const result = await sql<SurveyCandidate>`
    select distinct on (p.customer_id) p.id as payment_id, p.customer_id, c.email, c.locale, c.name as customer_name
      from payments p
      join payment_events pe on pe.payment_id = p.id and pe.to_status = 'succeeded'
      join customers c on c.id = p.customer_id
     where p.merchant_id = ${settings.merchantId} and p.mode = ${settings.mode} and p.status = 'succeeded' and p.purpose = 'payment'
       and p.id >= ${window.paymentIdFloor} and p.customer_id is not null
       and pe.created_at >= ${window.from} and pe.created_at < ${window.to}
       and c.email is not null and not c.email_opt_out
       and not exists (select 1 from nps_unsubscribes u where u.merchant_id = p.merchant_id and u.mode = p.mode and u.customer_id = p.customer_id)
       and not exists (select 1 from nps_surveys s where s.merchant_id = p.merchant_id and s.mode = p.mode and s.customer_id = p.customer_id
                                                  and s.period_number = ${settings.periodNumber})
     order by p.customer_id, pe.created_at desc, p.id desc
     limit ${limit}
  `.execute(db);
  return result.rows;
}

/**
 * Records the survey if the customer has not unsubscribed and has none in
 * its period; answers false when another run recorded it first (or the
 * customer unsubscribed meanwhile), and then no email may be queued.
 */
export async function insertSurvey(db: Db, survey: Omit<NpsSurveyRow, 'status' | 'nps_score' | 'answered_at'>): Promise<boolean> {
  const result = await sql<{ id: string }>`
    insert into nps_surveys (id, merchant_id, mode, customer_id, payment_id, period_number, message_id, status, created_at)
    select ${survey.id}, ${survey.merchant_id}, ${survey.mode}, ${survey.customer_id}, ${survey.payment_id}, ${survey.period_number}, ${survey.message_id}, 'sent', ${survey.created_at}
     where not exists (select 1 from nps_unsubscribes u where u.merchant_id = ${survey.merchant_id} and u.mode = ${survey.mode} and u.customer_id = ${survey.customer_id})
    on conflict (merchant_id, mode, customer_id, period_number) do nothing
    returning id
  `.execute(db);
  return result.rows.length === 1;
}

/**
 * By the survey's id alone: the payer's link (emailed, so its shape is
 * fixed for the links already sent) names the survey and its token, not
 * the merchant; what follows is done through the survey's merchant.
 */
export async function findSurvey(db: Db, id: string): Promise<NpsSurveyRow | undefined> {
  return db.selectFrom('nps_surveys').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The first answer stands: answers the survey as it is after the call. */
export async function answerSurvey(db: Db, survey: Pick<NpsSurveyRow, 'merchant_id' | 'id'>, score: number, at: Date): Promise<NpsSurveyRow | undefined> {
  await db
    .updateTable('nps_surveys')
    .set({ status: 'answered', nps_score: score, answered_at: at })
    .where('merchant_id', '=', survey.merchant_id)
    .where('id', '=', survey.id)
    .where('status', '=', 'sent')
    .execute();
  return db.selectFrom('nps_surveys').selectAll().where('merchant_id', '=', survey.merchant_id).where('id', '=', survey.id).executeTakeFirst();
}

/**
 * The NPS answer in the feedback store, on the survey's payment: added to a
 * checkout rating already there (its first NPS answer stands), or a row of
 * its own without a rating.
 */
export async function saveSurveyNps(db: Db, feedback: { paymentId: string; merchantId: string; npsScore: number; comment: string | null; at: Date }): Promise<void> {
  await db
    .insertInto('payment_feedback')
    .values({ payment_id: feedback.paymentId, merchant_id: feedback.merchantId, rating: null, comment: feedback.comment, nps_score: feedback.npsScore, created_at: feedback.at })
    .onConflict((conflict) =>
      conflict.constraint('payment_feedback_pkey').doUpdateSet({
        nps_score: sql<number>`coalesce(payment_feedback.nps_score, excluded.nps_score)`,
        comment: sql<string>`coalesce(payment_feedback.comment, excluded.comment)`,
      }),
    )
    .execute();
}

/**
 * Unsubscribes the customer (once), and skips their survey emails not yet
 * handed to a sender, so none leaves after this commits. One statement.
 */
export async function unsubscribeFromSurveys(db: Db, customer: { merchantId: string; mode: Mode; customerId: string }, at: Date): Promise<void> {
  await sql`
    with unsubscribed as (
      insert into nps_unsubscribes (merchant_id, mode, customer_id, created_at)
      values (${customer.merchantId}, ${customer.mode}, ${customer.customerId}, ${at})
      on conflict do nothing
    )
    update messages set status = 'skipped', last_error = 'the customer unsubscribed from surveys', next_attempt_at = null, updated_at = ${at}
     where status = 'pending' and (lease_until is null or lease_until <= ${at})
       and id in (select message_id from nps_surveys where merchant_id = ${customer.merchantId} and mode = ${customer.mode} and customer_id = ${customer.customerId})
  `.execute(db);
}

export async function isUnsubscribed(db: Db, customer: { merchantId: string; mode: Mode; customerId: string }): Promise<boolean> {
  const row = await db
    .selectFrom('nps_unsubscribes')
    .select('customer_id')
    .where('merchant_id', '=', customer.merchantId)
    .where('mode', '=', customer.mode)
    .where('customer_id', '=', customer.customerId)
    .executeTakeFirst();
  return row !== undefined;
}
