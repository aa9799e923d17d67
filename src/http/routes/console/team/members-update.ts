import { consoleRoles } from '../../../../domain/console/roles.ts';
import { presentMember } from '../../../../flows/console/sessions.ts';
import { changeRole } from '../../../../flows/console/team.ts';
import { IdParams, requestObject, stringEnum } from '../../../schemas.ts';
import { consoleActorOf, consoleSchema, type App, type RouteDeps } from '../kit.ts';

/** Changes a member's role; only owners give or take ownership, and the last owner keeps it. */
export function registerMembersUpdate(app: App, deps: RouteDeps): void {
  app.post(
    '/console/api/members/:id',
    { config: { console: { permission: 'team.manage' } }, schema: { ...consoleSchema, params: IdParams, body: requestObject({ role: stringEnum(consoleRoles) }) } },
    async (request) => presentMember(await changeRole(deps.context, consoleActorOf(request), request.params.id, request.body.role)),
  );
}
