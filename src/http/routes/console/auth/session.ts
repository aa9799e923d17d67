import { PaymentError } from '../../../../domain/errors.ts';
import { presentSession } from '../../../../flows/console/sessions.ts';
import { consoleSchema, type App } from '../kit.ts';

/** Who is signed in, what their role allows now, and the session's CSRF token (for a page reloaded after sign-in). */
export function registerSession(app: App): void {
  app.get('/console/api/session', { config: { console: { permission: 'session' } }, schema: consoleSchema }, async (request) => {
    if (!request.consoleSession) throw new PaymentError('console_session_required');
    return presentSession(request.consoleSession);
  });
}
