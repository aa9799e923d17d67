import { clearedSessionCookie } from '../../../../domain/console/session-cookie.ts';
import { signOut } from '../../../../flows/console/sessions.ts';
import { consoleActorOf, consoleSchema, type App, type RouteDeps } from '../kit.ts';

/** Ends this session at once (the cookie is cleared too; the token no longer works even if kept). */
export function registerSignOut(app: App, deps: RouteDeps): void {
  app.post('/console/api/sign_out', { config: { console: { permission: 'session' } }, schema: consoleSchema }, async (request, reply) => {
    await signOut(deps.context, consoleActorOf(request));
    void reply.header('set-cookie', clearedSessionCookie(deps.context.publicBaseUrl));
    return { object: 'console_session' as const, ended: true };
  });
}
