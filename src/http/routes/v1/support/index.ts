/**
 * The support routes: payers asking for help and searching the FAQ (by the
 * order link's token, no API key), the merchant's queue, FAQ and survey
 * settings (secret key), emailed NPS surveys (by their links), and the
 * support analytics. One route per file.
 */
import type { App, RouteDeps } from '../../route-kit.ts';
import { registerAnalyticsSupport } from './analytics-support.ts';
import { registerFaqCreate } from './faq-create.ts';
import { registerFaqDelete } from './faq-delete.ts';
import { registerFaqList } from './faq-list.ts';
import { registerFaqRetrieve } from './faq-retrieve.ts';
import { registerFaqUpdate } from './faq-update.ts';
import { registerOrderFaqSearch } from './order-faq-search.ts';
import { registerOrderSupportRequestsCreate } from './order-requests-create.ts';
import { registerOrderSupportRequestsList } from './order-requests-list.ts';
import { registerOrderSupportRequestsMessage } from './order-requests-message.ts';
import { registerSupportRequestsList } from './requests-list.ts';
import { registerSupportRequestsReopen } from './requests-reopen.ts';
import { registerSupportRequestsReply } from './requests-reply.ts';
import { registerSupportRequestsResolve } from './requests-resolve.ts';
import { registerSupportRequestsRetrieve } from './requests-retrieve.ts';
import { registerSurveyAnswer } from './survey-answer.ts';
import { registerSurveyRetrieve } from './survey-retrieve.ts';
import { registerSurveySettingsRetrieve } from './survey-settings-retrieve.ts';
import { registerSurveySettingsUpdate } from './survey-settings-update.ts';
import { registerSurveyUnsubscribe } from './survey-unsubscribe.ts';

export function registerSupport(app: App, deps: RouteDeps): void {
  registerOrderSupportRequestsCreate(app, deps);
  registerOrderSupportRequestsList(app, deps);
  registerOrderSupportRequestsMessage(app, deps);
  registerOrderFaqSearch(app, deps);
  registerSupportRequestsList(app, deps);
  registerSupportRequestsRetrieve(app, deps);
  registerSupportRequestsReply(app, deps);
  registerSupportRequestsResolve(app, deps);
  registerSupportRequestsReopen(app, deps);
  registerFaqCreate(app, deps);
  registerFaqList(app, deps);
  registerFaqRetrieve(app, deps);
  registerFaqUpdate(app, deps);
  registerFaqDelete(app, deps);
  registerSurveySettingsRetrieve(app, deps);
  registerSurveySettingsUpdate(app, deps);
  registerSurveyRetrieve(app, deps);
  registerSurveyAnswer(app, deps);
  registerSurveyUnsubscribe(app, deps);
  registerAnalyticsSupport(app, deps);
}
