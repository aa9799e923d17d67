/** GET /v1/loyalty/programme: the merchant's points programme. */
import { getProgramme } from '../../../../flows/loyalty/programme.ts';
import { errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Programme } from './programme-schemas.ts';

export function registerLoyaltyProgrammeRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/loyalty/programme',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Loyalty'],
        summary: 'The loyalty points programme',
        security: bearerAuth,
        response: { 200: Programme, ...errorResponses(401, 404) },
      },
    },
    async (request) => getProgramme(deps.context, scopeOf(request)),
  );
}
