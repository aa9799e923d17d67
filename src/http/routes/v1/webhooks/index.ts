/** The webhook routes, /v1/webhook_endpoints… and /v1/events…: one route per file. */
import type { App, RouteDeps } from '../../route-kit.ts';
import { registerWebhookEndpointsCreate } from './endpoints-create.ts';
import { registerWebhookEndpointsDelete } from './endpoints-delete.ts';
import { registerWebhookEndpointsDeliveries } from './endpoints-deliveries.ts';
import { registerWebhookEndpointsList } from './endpoints-list.ts';
import { registerWebhookEndpointsRetrieve } from './endpoints-retrieve.ts';
import { registerWebhookEndpointsUpdate } from './endpoints-update.ts';
import { registerEventsList } from './events-list.ts';
import { registerEventsRedeliver } from './events-redeliver.ts';
import { registerEventsRetrieve } from './events-retrieve.ts';

export function registerWebhooks(app: App, deps: RouteDeps): void {
  registerWebhookEndpointsCreate(app, deps);
  registerWebhookEndpointsList(app, deps);
  registerWebhookEndpointsRetrieve(app, deps);
  registerWebhookEndpointsUpdate(app, deps);
  registerWebhookEndpointsDelete(app, deps);
  registerWebhookEndpointsDeliveries(app, deps);
  registerEventsList(app, deps);
  registerEventsRetrieve(app, deps);
  registerEventsRedeliver(app, deps);
}
