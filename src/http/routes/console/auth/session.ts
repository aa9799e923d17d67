import { PaymentError } from '../../../../domain/errors.ts';
import type { FlowContext } from '../../../../flows/context.ts';
import { presentSession } from '../../../../flows/console/sessions.ts';
import { merchantOfSession } from '../../../../flows/console/settings.ts';
import type { LiveSession } from '../../../../store/console/sessions.ts';
import { consoleSchema, type App, type RouteDeps } from '../kit.ts';

/** What GET /console/api/session answers for a live session; the console's page carries the same (console-pages.ts). */
export async function sessionAnswer(context: FlowContext, session: LiveSession) {
  return { ...presentSession(session), ...(await merchantOfSession(context, session.member.merchant_id)) };
}

/** Who is signed in, what their role allows now, the merchant's name and time zone, and the session's CSRF token (for a page reloaded after sign-in). */
export function registerSession(app: App, deps: RouteDeps): void {
  app.get('/console/api/session', { config: { console: { permission: 'session' } }, schema: consoleSchema }, async (request) => {
    const session = request.consoleSession;
    if (!session) throw new PaymentError('console_session_required');
    return sessionAnswer(deps.context, session);
  });
}
