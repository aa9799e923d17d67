/** The hosted checkout's routes, /v1/payments/:id/{checkout,feedback,funnel_events}: one route per file. */
import type { App, RouteDeps } from '../../route-kit.ts';
import { registerCheckoutFeedback } from './feedback.ts';
import { registerCheckoutFunnelEventsCreate } from './funnel-events-create.ts';
import { registerCheckoutFunnelEventsList } from './funnel-events-list.ts';
import { registerCheckoutSession } from './session.ts';

export function registerCheckout(app: App, deps: RouteDeps): void {
  registerCheckoutSession(app, deps);
  registerCheckoutFeedback(app, deps);
  registerCheckoutFunnelEventsCreate(app, deps);
  registerCheckoutFunnelEventsList(app, deps);
}
