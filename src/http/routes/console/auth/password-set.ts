import { Type } from 'typebox';
import { passwordLengthMax } from '../../../../domain/console/password.ts';
import { setPasswordWithLink } from '../../../../flows/console/password.ts';
import { requestObject } from '../../../schemas.ts';
import { consoleSchema, originOf, type App, type RouteDeps } from '../kit.ts';

/** Sets a password from an emailed link (a reset or an invitation); the link then no longer works, and every session of the member ends. */
export function registerPasswordSet(app: App, deps: RouteDeps): void {
  app.post(
    '/console/api/password/set',
    {
      config: { console: 'public' },
      schema: { ...consoleSchema, body: requestObject({ token: Type.String({ minLength: 20, maxLength: 100 }), password: Type.String({ minLength: 1, maxLength: passwordLengthMax }) }) },
    },
    async (request) => {
      const done = await setPasswordWithLink(deps.context, request.body, originOf(request));
      return { object: 'password' as const, set: true, email: done.email, merchant: done.merchant };
    },
  );
}
