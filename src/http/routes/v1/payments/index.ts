/** The payment routes, /v1/payments…: one route per file. */
import type { App, RouteDeps } from '../../route-kit.ts';
import { registerPaymentsAttempts } from './attempts.ts';
import { registerPaymentsCancel } from './cancel.ts';
import { registerPaymentsCapture } from './capture.ts';
import { registerPaymentsConfirm } from './confirm.ts';
import { registerPaymentsCreate } from './create.ts';
import { registerPaymentsHistory } from './history.ts';
import { registerPaymentsList } from './list.ts';
import { registerPaymentsRetrieve } from './retrieve.ts';
import { registerPaymentsUpdate } from './update.ts';

export function registerPayments(app: App, deps: RouteDeps): void {
  registerPaymentsCreate(app, deps);
  registerPaymentsUpdate(app, deps);
  registerPaymentsRetrieve(app, deps);
  registerPaymentsList(app, deps);
  registerPaymentsConfirm(app, deps);
  registerPaymentsCapture(app, deps);
  registerPaymentsCancel(app, deps);
  registerPaymentsAttempts(app, deps);
  registerPaymentsHistory(app, deps);
}
