import { Type } from 'typebox';
import { analyticsSummary, presentSummary } from '../../../../flows/insight/analytics.ts';
import { CurrencyInput, stringEnum } from '../../../schemas.ts';
import { consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

const Query = Type.Object(
  {
    from: Type.String({ minLength: 10, maxLength: 40 }),
    to: Type.String({ minLength: 10, maxLength: 40 }),
    currency: Type.Optional(CurrencyInput),
    mode: Type.Optional(stringEnum(['test', 'live'] as const)),
  },
  { additionalProperties: false },
);

/** The API's analytics summary (same flow, same figures), for members who may read analytics. */
export function registerConsoleAnalyticsSummary(app: App, deps: RouteDeps): void {
  app.get('/console/api/analytics/summary', { config: { console: { permission: 'analytics.read' } }, schema: { ...consoleSchema, querystring: Query } }, async (request) => {
    const { mode, ...parameters } = request.query;
    return presentSummary(await analyticsSummary(deps.context, consoleScope(request, mode), parameters));
  });
}
