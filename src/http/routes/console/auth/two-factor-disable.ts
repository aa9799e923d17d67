import { Type } from 'typebox';
import { disableTwoFactor } from '../../../../flows/console/two-factor.ts';
import { requestObject } from '../../../schemas.ts';
import { consoleActorOf, consoleSchema, type App, type RouteDeps } from '../kit.ts';

/** Turns the second factor off, with a current code; refused for roles that require it (owner, admin). */
export function registerTwoFactorDisable(app: App, deps: RouteDeps): void {
  app.post(
    '/console/api/two_factor/disable',
    { config: { console: { permission: 'session' } }, schema: { ...consoleSchema, body: requestObject({ code: Type.String({ minLength: 1, maxLength: 10 }) }) } },
    async (request) => disableTwoFactor(deps.context, consoleActorOf(request), request.body.code),
  );
}
