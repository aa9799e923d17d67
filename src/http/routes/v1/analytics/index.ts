/**
 * The analytics routes, /v1/analytics/… and the settings against abuse of
 * cancellation: one route per file. Every figure answers CSV with
 * `Accept: text/csv`. Secret key only.
 */
import type { App, RouteDeps } from '../../route-kit.ts';
import { registerCancellationAbuseSettingsRetrieve } from './cancellation-abuse-settings-retrieve.ts';
import { registerCancellationAbuseSettingsUpdate } from './cancellation-abuse-settings-update.ts';
import { registerCancellationsList } from './cancellations-list.ts';
import { registerCancellationsSummary } from './cancellations-summary.ts';
import { registerAnalyticsSegments } from './customer-segments.ts';
import { registerAnalyticsFeedback } from './feedback.ts';
import { registerAnalyticsFeedbackThemes } from './feedback-themes.ts';
import { registerAnalyticsExperience } from './experience.ts';
import { registerFlaggedCustomersList } from './flagged-customers.ts';
import { registerAnalyticsIncidents } from './incidents.ts';
import { registerAnalyticsSummary } from './summary.ts';
import { registerAnalyticsTimeseries } from './timeseries.ts';

export function registerAnalytics(app: App, deps: RouteDeps): void {
  registerAnalyticsSummary(app, deps);
  registerAnalyticsTimeseries(app, deps);
  registerCancellationsList(app, deps);
  registerCancellationsSummary(app, deps);
  registerFlaggedCustomersList(app, deps);
  registerCancellationAbuseSettingsRetrieve(app, deps);
  registerCancellationAbuseSettingsUpdate(app, deps);
  registerAnalyticsIncidents(app, deps);
  registerAnalyticsSegments(app, deps);
  registerAnalyticsFeedback(app, deps);
  registerAnalyticsFeedbackThemes(app, deps);
  registerAnalyticsExperience(app, deps);
}
