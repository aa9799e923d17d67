import { Type } from 'typebox';
import { setWalletPin } from '../../../../flows/wallet/wallet.ts';
import { IdParams, Wallet, errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerWalletPinSet(app: App, deps: RouteDeps): void {
  app.put(
    '/v1/customers/:id/wallet/pin',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Wallet'],
        summary: 'Set or replace the payment PIN',
        description:
          'Six digits; the same digit six times or a run (123456, 987654) is refused. Stored as a salted, peppered scrypt hash. Setting a PIN clears a lock. Five wrong PINs in a row lock wallet payments for 15 minutes.',
        security: bearerAuth,
        params: IdParams,
        body: requestObject({ pin: Type.String({ pattern: '^[0-9]{6}$', description: 'Six digits.' }) }),
        response: { 200: Wallet, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => setWalletPin(deps.context, scopeOf(request), request.params.id, request.body.pin),
  );
}
