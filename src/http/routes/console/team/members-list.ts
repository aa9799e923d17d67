import { presentMember } from '../../../../flows/console/sessions.ts';
import { listTeam } from '../../../../flows/console/team.ts';
import { consoleActorOf, consoleSchema, type App, type RouteDeps } from '../kit.ts';

export function registerMembersList(app: App, deps: RouteDeps): void {
  app.get('/console/api/members', { config: { console: { permission: 'team.read' } }, schema: consoleSchema }, async (request) => {
    const members = await listTeam(deps.context, consoleActorOf(request).merchantId);
    return { object: 'list' as const, data: members.map(presentMember), has_more: false };
  });
}
