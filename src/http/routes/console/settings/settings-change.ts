import { Type } from 'typebox';
import { changeSettings } from '../../../../flows/console/settings.ts';
import { Nullable, requestObject } from '../../../schemas.ts';
import { ModeQuery, consoleActorOf, consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

const Email = Type.String({ format: 'email', maxLength: 254 });
const Body = requestObject({
  business_name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  support_email: Type.Optional(Nullable(Email)),
  support_phone: Type.Optional(Nullable(Type.String({ minLength: 3, maxLength: 32, pattern: '^\\+?[0-9 ()-]{3,32}$' }))),
  operations_email: Type.Optional(Nullable(Email)),
  time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

/** Changes any of the merchant's details; audited with the changed fields before and after, in the change's transaction. */
export function registerSettingsChange(app: App, deps: RouteDeps): void {
  app.post('/console/api/settings', { config: { console: { permission: 'settings.manage' } }, schema: { ...consoleSchema, querystring: ModeQuery, body: Body } }, async (request) =>
    changeSettings(deps.context, consoleActorOf(request), consoleScope(request, request.query.mode), request.body),
  );
}
