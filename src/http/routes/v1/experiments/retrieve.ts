import { getExperiment } from '../../../../flows/experiments/experiments.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Experiment } from './schemas.ts';

export function registerExperimentsRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/experiments/:id',
    {
      config: { auth: 'secret' },
      schema: { tags: ['Experiments'], summary: 'Retrieve a checkout experiment', security: bearerAuth, params: IdParams, response: { 200: Experiment, ...errorResponses(400, 401, 404) } },
    },
    async (request) => getExperiment(deps.context, scopeOf(request), request.params.id),
  );
}
