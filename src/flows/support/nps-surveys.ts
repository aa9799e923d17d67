/**
 * NPS surveys by email, `delay_days` after a payment succeeded, at most one
 * per customer per period of `period_days`, never to a customer who
 * unsubscribed or opted out of email.
 *
 * Run by the worker (`send_nps_surveys`). For each survey the row (the
 * intent, unique per customer and period) and its email (the outbox) commit
 * together, so a run repeated or run twice at once queues one email; the
 * email is sent by the messages worker, which for surveys never sends again
 * after a try whose outcome it does not know (see send-message.ts).
 */
import { PaymentError } from '../../domain/errors.ts';
import { idFloorAt } from '../../domain/ids.ts';
import { limits } from '../../domain/limits.ts';
import { isLocale, type Locale } from '../../domain/locale.ts';
import { orderPageToken } from '../../domain/secrets.ts';
import { renderNpsSurvey } from '../../domain/support/support-messages.ts';
import { surveyDueWindow, surveyPeriodNumber, surveyToken, surveyTokenValid } from '../../domain/support/nps-survey.ts';
import { findMerchant } from '../../store/merchants.ts';
import { queueMessages } from '../../store/messages.ts';
import type { Scope } from '../../store/payments.ts';
import {
  answerSurvey,
  findSurvey,
  findSurveyCandidates,
  findSurveySettings,
  insertSurvey,
  listEnabledSurveySettings,
  saveSurveyNps,
  saveSurveySettings,
  unsubscribeFromSurveys,
  type NpsSurveyRow,
  type NpsSurveySettingsRow,
} from '../../store/support/surveys.ts';
import { now, type FlowContext } from '../context.ts';

/** Until the merchant says otherwise: off, 7 days after the payment, once per 90 days. */
export const surveySettingsDefaults = { enabled: false, delayDays: 7, periodDays: 90 } as const;

function presentSettings(scope: Scope, row: NpsSurveySettingsRow | undefined) {
  return {
    object: 'nps_survey_settings' as const,
    enabled: row?.enabled ?? surveySettingsDefaults.enabled,
    delay_days: row?.delay_days ?? surveySettingsDefaults.delayDays,
    period_days: row?.period_days ?? surveySettingsDefaults.periodDays,
    livemode: scope.mode === 'live',
  };
}

export async function getSurveySettings(context: FlowContext, scope: Scope) {
  return presentSettings(scope, await findSurveySettings(context.db, scope));
}

export async function updateSurveySettings(context: FlowContext, scope: Scope, input: { enabled?: boolean; delay_days?: number; period_days?: number }) {
  const row = await saveSurveySettings(context.db, scope, { enabled: input.enabled, delayDays: input.delay_days, periodDays: input.period_days }, surveySettingsDefaults, now(context));
  return presentSettings(scope, row);
}

const dayMs = 24 * 60 * 60 * 1000;

/** Queues the surveys due now, for every merchant that sends them. Answers how many were queued. */
export async function sendDueSurveys(context: FlowContext): Promise<number> {
  let queued = 0;
  for (const settings of await listEnabledSurveySettings(context.db)) {
    if (queued >= limits.npsSurveyBatchMax) break;
    queued += await sendDueSurveysOf(context, settings, limits.npsSurveyBatchMax - queued);
  }
  return queued;
}

async function sendDueSurveysOf(context: FlowContext, settings: NpsSurveySettingsRow, batchMax: number): Promise<number> {
  const at = now(context);
  const merchant = await findMerchant(context.db, settings.merchant_id);
  if (!merchant) return 0;
  const periodNumber = surveyPeriodNumber(at.getTime(), settings.period_days);
  const window = surveyDueWindow(at.getTime(), settings.delay_days, limits.npsSurveyLookbackDays);
  // A payment succeeds after it is created: within its expiry, or later by a capture; a month covers both.
  const paymentIdFloor = idFloorAt('pay', window.fromMs - 30 * dayMs);
  const candidates = await findSurveyCandidates(
    context.db,
    { merchantId: settings.merchant_id, mode: settings.mode, periodNumber },
    { from: new Date(window.fromMs), to: new Date(window.toMs), paymentIdFloor },
    batchMax,
  );
  let queued = 0;
  for (const candidate of candidates) {
    const surveyId = context.ids.newId('nps');
    const messageId = context.ids.newId('msg');
    const locale: Locale = isLocale(candidate.locale) ? candidate.locale : 'en';
    const rendered = renderNpsSurvey({
      locale,
      merchantName: merchant.name,
      answerUrl: surveyAnswerUrl(context, candidate.payment_id, surveyId),
      unsubscribeUrl: `${context.publicBaseUrl}/v1/nps_surveys/${surveyId}/unsubscribe?token=${surveyToken(surveyId, 'unsubscribe', context.keys.surveys)}`,
    });
    const inserted = await context.db.transaction().execute(async (trx) => {
      const recorded = await insertSurvey(trx, {
        id: surveyId,
        merchant_id: settings.merchant_id,
        mode: settings.mode,
        customer_id: candidate.customer_id,
        payment_id: candidate.payment_id,
        period_number: periodNumber,
        message_id: messageId,
        created_at: at,
      });
      if (!recorded) return false;
      await queueMessages(
        trx,
        [
          {
            id: messageId,
            merchantId: settings.merchant_id,
            mode: settings.mode,
            channel: 'email',
            purpose: 'nps_survey',
            dedupeKey: `${surveyId}:email`,
            recipient: candidate.email,
            locale,
            customerId: candidate.customer_id,
            paymentId: candidate.payment_id,
            eventId: null,
            subject: rendered.subject,
            bodyText: rendered.text,
            bodyHtml: rendered.html,
          },
        ],
        at,
        context.keys.messages,
      );
      return true;
    });
    if (inserted) queued += 1;
  }
  return queued;
}

/** The order page, opened on the survey's question (the page posts the answer with the survey's token). */
function surveyAnswerUrl(context: FlowContext, paymentId: string, surveyId: string): string {
  const orderToken = orderPageToken(paymentId, context.keys.orderPage);
  return `${context.publicBaseUrl}/orders/${paymentId}?token=${orderToken}&survey=${surveyId}&survey_token=${surveyToken(surveyId, 'answer', context.keys.surveys)}`;
}

/** The survey behind a link; a wrong token answers like a missing survey. */
async function surveyOfLink(context: FlowContext, id: string, purpose: 'answer' | 'unsubscribe', token: string): Promise<NpsSurveyRow> {
  const survey = await findSurvey(context.db, id);
  if (!survey || !surveyTokenValid(id, purpose, token, context.keys.surveys)) {
    throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'nps_survey', id } });
  }
  return survey;
}

function presentSurvey(survey: NpsSurveyRow) {
  return {
    id: survey.id,
    object: 'nps_survey' as const,
    payment: survey.payment_id,
    status: survey.status,
    nps_score: survey.nps_score,
    created_at: survey.created_at.toISOString(),
    answered_at: survey.answered_at?.toISOString() ?? null,
  };
}

export async function getSurveyForPayer(context: FlowContext, id: string, token: string) {
  return presentSurvey(await surveyOfLink(context, id, 'answer', token));
}

/** The payer's answer: kept on the survey and in the feedback store on its payment; the first answer stands. */
export async function answerSurveyForPayer(context: FlowContext, id: string, input: { token: string; score: number; comment?: string }) {
  const survey = await surveyOfLink(context, id, 'answer', input.token);
  const at = now(context);
  const answered = await context.db.transaction().execute(async (trx) => {
    const row = await answerSurvey(trx, survey, input.score, at);
    if (!row) throw new Error('a survey found is still there');
    await saveSurveyNps(trx, { paymentId: row.payment_id, merchantId: row.merchant_id, npsScore: row.nps_score ?? input.score, comment: input.comment ?? null, at });
    return row;
  });
  return presentSurvey(answered);
}

/** Honoured at once: no survey is queued for the customer after this, and one queued but not yet sent is skipped. */
export async function unsubscribeFromSurvey(context: FlowContext, id: string, token: string) {
  const survey = await surveyOfLink(context, id, 'unsubscribe', token);
  await unsubscribeFromSurveys(context.db, { merchantId: survey.merchant_id, mode: survey.mode, customerId: survey.customer_id }, now(context));
  return { object: 'nps_unsubscribe' as const, survey: survey.id, unsubscribed: true as const };
}
