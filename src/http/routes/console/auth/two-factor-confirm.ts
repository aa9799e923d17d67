import { Type } from 'typebox';
import { confirmEnrolment } from '../../../../flows/console/two-factor.ts';
import { requestObject } from '../../../schemas.ts';
import { consoleActorOf, consoleSchema, type App, type RouteDeps } from '../kit.ts';

/** Confirms enrolment with a first code; answers the ten recovery codes, shown this once. */
export function registerTwoFactorConfirm(app: App, deps: RouteDeps): void {
  app.post(
    '/console/api/two_factor/confirmation',
    { config: { console: { permission: 'session' } }, schema: { ...consoleSchema, body: requestObject({ code: Type.String({ minLength: 1, maxLength: 10 }) }) } },
    async (request) => confirmEnrolment(deps.context, consoleActorOf(request), request.body.code),
  );
}
