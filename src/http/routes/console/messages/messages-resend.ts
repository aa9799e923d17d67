import { resendMessage } from '../../../../flows/console/messages.ts';
import { IdParams } from '../../../schemas.ts';
import { ModeQuery, consoleActorOf, consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

/** Sends a payer's message again (at most once a minute per message); audited. */
export function registerMessagesResend(app: App, deps: RouteDeps): void {
  app.post(
    '/console/api/messages/:id/resend',
    { config: { console: { permission: 'messages.resend' } }, schema: { ...consoleSchema, params: IdParams, querystring: ModeQuery } },
    async (request) => resendMessage(deps.context, consoleActorOf(request), consoleScope(request, request.query.mode), request.params.id),
  );
}
