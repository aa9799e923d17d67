import { getExperimentResults } from '../../../../flows/experiments/results.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { ExperimentResults } from './schemas.ts';

export function registerExperimentsResults(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/experiments/:id/results',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Experiments'],
        summary: "An experiment's results per variant",
        description:
          'Exposed payers; conversion, cancellation and abandonment rates with 95% Wilson intervals; time to pay and average order value (per currency) with normal intervals; conversion compared with the control by a two-sided two-proportion z-test once every variant has the minimum sample; and a sample ratio mismatch warning. Recounted from the rows at each read.',
        security: bearerAuth,
        params: IdParams,
        response: { 200: ExperimentResults, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => getExperimentResults(deps.context, scopeOf(request), request.params.id),
  );
}
