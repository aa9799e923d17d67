import { PaymentError } from '../../../../domain/errors.ts';
import { locales } from '../../../../domain/locale.ts';
import { presentSession } from '../../../../flows/console/sessions.ts';
import { changeLocale, merchantOfSession } from '../../../../flows/console/settings.ts';
import { requestObject, stringEnum } from '../../../schemas.ts';
import { consoleActorOf, consoleSchema, type App, type RouteDeps } from '../kit.ts';

/** The member's language (en, zh-CN, zh-TW), remembered for their next sign-in; answers the session as it now stands. */
export function registerSessionPreferences(app: App, deps: RouteDeps): void {
  app.post(
    '/console/api/session/preferences',
    { config: { console: { permission: 'session' } }, schema: { ...consoleSchema, body: requestObject({ locale: stringEnum(locales) }) } },
    async (request) => {
      const session = request.consoleSession;
      if (!session) throw new PaymentError('console_session_required');
      await changeLocale(deps.context, consoleActorOf(request), request.body.locale);
      const member = { ...session.member, locale: request.body.locale };
      return { ...presentSession({ ...session, member }), ...(await merchantOfSession(deps.context, member.merchant_id)) };
    },
  );
}
