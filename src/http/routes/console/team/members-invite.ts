import { Type } from 'typebox';
import { consoleRoles } from '../../../../domain/console/roles.ts';
import { locales } from '../../../../domain/locale.ts';
import { presentMember } from '../../../../flows/console/sessions.ts';
import { inviteMember } from '../../../../flows/console/team.ts';
import { requestObject, stringEnum } from '../../../schemas.ts';
import { consoleActorOf, consoleSchema, type App, type RouteDeps } from '../kit.ts';

const Body = requestObject({
  email: Type.String({ format: 'email', maxLength: 254 }),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  role: stringEnum(consoleRoles),
  locale: Type.Optional(stringEnum(locales)),
});

/** Invites by email: the member exists at once, and signs in after setting a password through the emailed link. */
export function registerMembersInvite(app: App, deps: RouteDeps): void {
  app.post('/console/api/members', { config: { console: { permission: 'team.manage' } }, schema: { ...consoleSchema, body: Body } }, async (request) =>
    presentMember(await inviteMember(deps.context, consoleActorOf(request), request.body)),
  );
}
