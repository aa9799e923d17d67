import { startExperiment } from '../../../../flows/experiments/experiments.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Experiment } from './schemas.ts';

export function registerExperimentsStart(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/experiments/:id/start',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Experiments'],
        summary: 'Start a draft experiment',
        description: 'One experiment runs per merchant and mode at a time (409 `experiment_already_running` otherwise). Payers are exposed between starts_at and ends_at.',
        security: bearerAuth,
        params: IdParams,
        response: { 200: Experiment, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => startExperiment(deps.context, scopeOf(request), request.params.id),
  );
}
