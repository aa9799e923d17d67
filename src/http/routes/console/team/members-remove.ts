import { removeMember } from '../../../../flows/console/team.ts';
import { IdParams } from '../../../schemas.ts';
import { consoleActorOf, consoleSchema, type App, type RouteDeps } from '../kit.ts';

/** Removes a member; their sessions end in the same transaction. The last owner cannot be removed. */
export function registerMembersRemove(app: App, deps: RouteDeps): void {
  app.delete('/console/api/members/:id', { config: { console: { permission: 'team.manage' } }, schema: { ...consoleSchema, params: IdParams } }, async (request) => {
    const removed = await removeMember(deps.context, consoleActorOf(request), request.params.id);
    return { object: 'console_member' as const, id: request.params.id, removed: true, sessions_ended: removed.sessionsEnded };
  });
}
