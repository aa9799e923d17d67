import { Type } from 'typebox';
import { limits } from '../../../../domain/limits.ts';
import { changeRefundLimit } from '../../../../flows/console/settings.ts';
import { CurrencyInput, requestObject } from '../../../schemas.ts';
import { consoleActorOf, consoleSchema, type App, type RouteDeps } from '../kit.ts';

const Body = requestObject({ currency: CurrencyInput, amount_max: Type.Integer({ minimum: 0, maximum: Number(limits.amountMinorUnitsMax) }) });

/** How much a member who may refund only up to a limit (support) may refund per payment in this currency; 0 forbids it. */
export function registerRefundLimitsSet(app: App, deps: RouteDeps): void {
  app.post('/console/api/settings/refund_limits', { config: { console: { permission: 'settings.manage' } }, schema: { ...consoleSchema, body: Body } }, async (request) =>
    changeRefundLimit(deps.context, consoleActorOf(request), request.body),
  );
}
