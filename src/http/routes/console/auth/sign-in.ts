import { Type } from 'typebox';
import { passwordLengthMax } from '../../../../domain/console/password.ts';
import { sessionCookie } from '../../../../domain/console/session-cookie.ts';
import { signIn } from '../../../../flows/console/sign-in.ts';
import { presentMember } from '../../../../flows/console/sessions.ts';
import { merchantOfSession } from '../../../../flows/console/settings.ts';
import { requestObject } from '../../../schemas.ts';
import { consoleSchema, originOf, type App, type RouteDeps } from '../kit.ts';

const Body = requestObject({
  email: Type.String({ minLength: 3, maxLength: 254 }),
  password: Type.String({ minLength: 1, maxLength: passwordLengthMax }),
  merchant: Type.Optional(Type.String({ maxLength: 64 })),
  code: Type.Optional(Type.String({ maxLength: 10 })),
  recovery_code: Type.Optional(Type.String({ maxLength: 40 })),
});

/** Email and password, and the second factor when the member has one; sets the session cookie and answers the CSRF token. */
export function registerSignIn(app: App, deps: RouteDeps): void {
  app.post('/console/api/sign_in', { config: { console: 'public' }, schema: { ...consoleSchema, body: Body } }, async (request, reply) => {
    const opened = await signIn(deps.context, request.body, originOf(request));
    void reply.header('set-cookie', sessionCookie(opened.token, deps.context.publicBaseUrl));
    const member = presentMember(opened.member);
    return {
      object: 'console_session' as const,
      merchant: opened.member.merchant_id,
      ...(await merchantOfSession(deps.context, opened.member.merchant_id)),
      member,
      csrf_token: opened.csrfToken,
      two_factor_enrolment_required: member.two_factor.required && !member.two_factor.enabled,
    };
  });
}
