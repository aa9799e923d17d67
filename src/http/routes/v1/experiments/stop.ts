import { Type } from 'typebox';
import { stopExperiment } from '../../../../flows/experiments/experiments.ts';
import { IdParams, errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Experiment } from './schemas.ts';

export function registerExperimentsStop(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/experiments/:id/stop',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Experiments'],
        summary: 'Stop a running experiment, optionally promoting a variant',
        description:
          "`promote`: a variant's key, or `winner` for the variant the results name (refused when none won). The promoted variant's presentation becomes the merchant's checkout setting, in the same change that stops the experiment.",
        security: bearerAuth,
        params: IdParams,
        body: requestObject({ promote: Type.Optional(Type.String({ maxLength: 32 })) }),
        response: { 200: Experiment, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => stopExperiment(deps.context, scopeOf(request), request.params.id, request.body),
  );
}
