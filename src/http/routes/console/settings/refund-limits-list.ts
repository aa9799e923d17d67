import { refundLimits } from '../../../../flows/console/settings.ts';
import { consoleActorOf, consoleSchema, type App, type RouteDeps } from '../kit.ts';

export function registerRefundLimitsList(app: App, deps: RouteDeps): void {
  app.get('/console/api/settings/refund_limits', { config: { console: { permission: 'settings.read' } }, schema: consoleSchema }, async (request) =>
    refundLimits(deps.context, consoleActorOf(request).merchantId),
  );
}
