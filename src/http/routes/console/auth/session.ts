import { PaymentError } from '../../../../domain/errors.ts';
import { presentSession } from '../../../../flows/console/sessions.ts';
import { merchantOfSession } from '../../../../flows/console/settings.ts';
import { consoleSchema, type App, type RouteDeps } from '../kit.ts';

/** Who is signed in, what their role allows now, the merchant's name and time zone, and the session's CSRF token (for a page reloaded after sign-in). */
export function registerSession(app: App, deps: RouteDeps): void {
  app.get('/console/api/session', { config: { console: { permission: 'session' } }, schema: consoleSchema }, async (request) => {
    const session = request.consoleSession;
    if (!session) throw new PaymentError('console_session_required');
    return { ...presentSession(session), ...(await merchantOfSession(deps.context, session.member.merchant_id)) };
  });
}
