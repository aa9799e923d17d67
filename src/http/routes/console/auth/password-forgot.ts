import { Type } from 'typebox';
import { requestPasswordReset } from '../../../../flows/console/password.ts';
import { requestObject } from '../../../schemas.ts';
import { consoleSchema, originOf, type App, type RouteDeps } from '../kit.ts';

/** Emails a single-use reset link to the member with this address; answers the same whether or not there is one. */
export function registerPasswordForgot(app: App, deps: RouteDeps): void {
  app.post(
    '/console/api/password/forgot',
    { config: { console: 'public' }, schema: { ...consoleSchema, body: requestObject({ email: Type.String({ minLength: 3, maxLength: 254 }), merchant: Type.Optional(Type.String({ maxLength: 64 })) }) } },
    async (request, reply) => {
      await requestPasswordReset(deps.context, request.body, originOf(request));
      return reply.code(202).send({ object: 'password_reset' as const, status: 'sent_if_member' });
    },
  );
}
