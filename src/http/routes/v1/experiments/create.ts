import { createExperiment } from '../../../../flows/experiments/experiments.ts';
import { errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { CreateExperimentBody, Experiment } from './schemas.ts';

export function registerExperimentsCreate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/experiments',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Experiments'],
        summary: 'Create a checkout experiment (a draft)',
        description:
          'Variants of the hosted checkout, each a set of presentation changes over the merchant\'s checkout setting, with the share of payers each gets. Payers are assigned by a hash of the experiment and the payer (the customer, else the id the checkout keeps in the browser), so each keeps their variant. Start it to expose payers.',
        security: bearerAuth,
        body: CreateExperimentBody,
        response: { 200: Experiment, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => createExperiment(deps.context, scopeOf(request), request.body),
  );
}
