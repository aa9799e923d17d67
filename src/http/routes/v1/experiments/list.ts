import { Type } from 'typebox';
import { listExperiments } from '../../../../flows/experiments/experiments.ts';
import { limits } from '../../../../domain/limits.ts';
import { ListQuery, errorResponses, listOf } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Experiment } from './schemas.ts';

const Query = Type.Object({ ...ListQuery }, { additionalProperties: false });

export function registerExperimentsList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/experiments',
    {
      config: { auth: 'secret' },
      schema: { tags: ['Experiments'], summary: 'List checkout experiments, newest first', security: bearerAuth, querystring: Query, response: { 200: listOf(Experiment), ...errorResponses(400, 401) } },
    },
    async (request) => {
      const page = await listExperiments(deps.context, scopeOf(request), { startingAfter: request.query.starting_after, limit: request.query.limit ?? limits.pageSizeDefault });
      return { object: 'list' as const, data: page.data, has_more: page.hasMore };
    },
  );
}
