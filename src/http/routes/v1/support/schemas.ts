/** Schemas the support routes share: a request with its thread, an FAQ entry, a survey and the survey settings. */
import { Type } from 'typebox';
import { locales } from '../../../../domain/locale.ts';
import { limits } from '../../../../domain/limits.ts';
import { contactPreferences, supportCategories, supportRequestStatuses } from '../../../../domain/support/support-request.ts';
import { Nullable, stringEnum } from '../../../schemas.ts';

const Instant = Type.String({ format: 'date-time' });

export const SupportMessage = Type.Object({
  id: Type.String(),
  author: stringEnum(['payer', 'merchant'] as const),
  body: Type.String(),
  created_at: Instant,
});

export const SupportRequest = Type.Object({
  id: Type.String(),
  object: Type.Literal('support_request'),
  payment: Type.String(),
  customer: Nullable(Type.String({ description: 'Shown to the merchant only.' })),
  category: stringEnum(supportCategories),
  status: stringEnum(supportRequestStatuses),
  contact_preference: stringEnum(contactPreferences),
  contact: Nullable(Type.String({ description: 'The email address or phone number the answer goes to; shown to the merchant only.' })),
  locale: Type.String(),
  created_at: Instant,
  first_response_at: Nullable(Instant),
  first_resolved_at: Nullable(Instant),
  resolved_at: Nullable(Instant),
  reopen_count: Type.Integer(),
  messages: Nullable(Type.Array(SupportMessage, { description: 'The thread, oldest first; null in lists.' })),
});

export const MessageBody = Type.String({ minLength: 1, maxLength: limits.supportMessageLengthMax });

export const LocaleInput = stringEnum(locales);

export const FaqEntry = Type.Object({
  id: Type.String(),
  object: Type.Literal('faq_entry'),
  locale: LocaleInput,
  question: Type.String(),
  answer: Type.String(),
  position: Type.Integer(),
  created_at: Instant,
  updated_at: Instant,
});

export const FaqQuestion = Type.String({ minLength: 1, maxLength: 300 });
export const FaqAnswer = Type.String({ minLength: 1, maxLength: 4000 });
export const FaqPosition = Type.Integer({ minimum: 0, maximum: 10_000, description: 'Entries are listed by position, then creation.' });

export const NpsSurvey = Type.Object({
  id: Type.String(),
  object: Type.Literal('nps_survey'),
  payment: Type.String(),
  status: stringEnum(['sent', 'answered'] as const),
  nps_score: Nullable(Type.Integer()),
  created_at: Instant,
  answered_at: Nullable(Instant),
});

export const SurveySettings = Type.Object({
  object: Type.Literal('nps_survey_settings'),
  enabled: Type.Boolean(),
  delay_days: Type.Integer({ description: 'Days after the payment succeeded before its survey is sent.' }),
  period_days: Type.Integer({ description: 'At most one survey per customer per period of this many days.' }),
  livemode: Type.Boolean(),
});

export const SurveyTokenQuery = Type.Object({ token: Type.String({ maxLength: 64, description: 'From the survey email.' }) }, { additionalProperties: false });
