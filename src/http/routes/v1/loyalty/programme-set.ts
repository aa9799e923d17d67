/** PUT /v1/loyalty/programme: sets the merchant's points programme. */
import { setProgramme } from '../../../../flows/loyalty/programme.ts';
import { errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Programme, ProgrammeBody } from './programme-schemas.ts';

export function registerLoyaltyProgrammeSet(app: App, deps: RouteDeps): void {
  app.put(
    '/v1/loyalty/programme',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Loyalty'],
        summary: 'Set the loyalty points programme',
        description:
          'Idempotent: the whole programme is replaced, and the same body again changes nothing. Payments earn points when they succeed (for a known customer, in the programme currency); changes apply to payments that succeed afterwards.',
        security: bearerAuth,
        body: ProgrammeBody,
        response: { 200: Programme, ...errorResponses(400, 401) },
      },
    },
    async (request) => setProgramme(deps.context, scopeOf(request), request.body),
  );
}
