/**
 * The console's API under /console/api: one route per file, grouped by
 * capability. Each declares the permission it needs (see
 * domain/console/permissions.ts); plugins/console-session.ts checks it.
 */
import type { App, RouteDeps } from '../route-kit.ts';
import { registerConsoleAnalyticsSummary } from './analytics/analytics-summary.ts';
import { registerConsoleFeedbackComments } from './analytics/feedback-comments.ts';
import { registerAuditLog } from './audit/audit-log.ts';
import { registerPasswordForgot } from './auth/password-forgot.ts';
import { registerPasswordSet } from './auth/password-set.ts';
import { registerSession } from './auth/session.ts';
import { registerSessionPreferences } from './auth/session-preferences.ts';
import { registerSignIn } from './auth/sign-in.ts';
import { registerSignOut } from './auth/sign-out.ts';
import { registerTwoFactorConfirm } from './auth/two-factor-confirm.ts';
import { registerTwoFactorDisable } from './auth/two-factor-disable.ts';
import { registerTwoFactorEnrol } from './auth/two-factor-enrol.ts';
import { registerConsolePaymentsCancel } from './payments/payments-cancel.ts';
import { registerConsolePaymentsCapture } from './payments/payments-capture.ts';
import { registerConsolePaymentsList } from './payments/payments-list.ts';
import { registerConsolePaymentsRefund } from './payments/payments-refund.ts';
import { registerConsolePaymentsRetrieve } from './payments/payments-retrieve.ts';
import { registerConsolePaymentsTimeline } from './payments/payments-timeline.ts';
import { registerMessagesResend } from './messages/messages-resend.ts';
import { registerConsoleCustomersList } from './customers/customers-list.ts';
import { registerChannelFigures } from './channels/channels-figures.ts';
import { registerChannelAccounts } from './channels/channels-accounts.ts';
import { registerReconciliationRuns } from './reconciliation/reconciliation-runs.ts';
import { registerReconciliationMismatches } from './reconciliation/reconciliation-mismatches.ts';
import { registerAfterSalesList } from './after-sales/after-sales-list.ts';
import { registerRequestsList } from './developers/requests-list.ts';
import { registerConsoleCustomersRetrieve } from './customers/customers-retrieve.ts';
import { registerRefundLimitsList } from './settings/refund-limits-list.ts';
import { registerRefundLimitsSet } from './settings/refund-limits-set.ts';
import { registerSettingsChange } from './settings/settings-change.ts';
import { registerSettingsRead } from './settings/settings-read.ts';
import { registerMembersInvite } from './team/members-invite.ts';
import { registerMembersList } from './team/members-list.ts';
import { registerMembersRemove } from './team/members-remove.ts';
import { registerMembersUpdate } from './team/members-update.ts';

export function registerConsoleApi(app: App, deps: RouteDeps): void {
  registerSignIn(app, deps);
  registerSignOut(app, deps);
  registerSession(app, deps);
  registerSessionPreferences(app, deps);
  registerPasswordForgot(app, deps);
  registerPasswordSet(app, deps);
  registerTwoFactorEnrol(app, deps);
  registerTwoFactorConfirm(app, deps);
  registerTwoFactorDisable(app, deps);
  registerMembersList(app, deps);
  registerMembersInvite(app, deps);
  registerMembersUpdate(app, deps);
  registerMembersRemove(app, deps);
  registerAuditLog(app, deps);
  registerRefundLimitsList(app, deps);
  registerRefundLimitsSet(app, deps);
  registerSettingsRead(app, deps);
  registerSettingsChange(app, deps);
  registerConsolePaymentsList(app, deps);
  registerConsolePaymentsRetrieve(app, deps);
  registerConsolePaymentsTimeline(app, deps);
  registerMessagesResend(app, deps);
  registerConsoleCustomersList(app, deps);
  registerConsoleCustomersRetrieve(app, deps);
  registerChannelFigures(app, deps);
  registerChannelAccounts(app, deps);
  registerReconciliationRuns(app, deps);
  registerReconciliationMismatches(app, deps);
  registerAfterSalesList(app, deps);
  registerRequestsList(app, deps);
  registerConsolePaymentsRefund(app, deps);
  registerConsolePaymentsCapture(app, deps);
  registerConsolePaymentsCancel(app, deps);
  registerConsoleAnalyticsSummary(app, deps);
  registerConsoleFeedbackComments(app, deps);
}
