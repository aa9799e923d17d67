/**
 * GET /v1/analytics/support: first response time, resolution time, reopen
 * rate and first-contact resolution over the support requests created in
 * `[from, to)`, and what payers searched for in the FAQ over the same range.
 * Definitions: docs/api-support.md.
 */
import { Type } from 'typebox';
import { supportAnalytics } from '../../../../flows/support/support-analytics.ts';
import { Nullable, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Rate } from '../analytics/schemas.ts';

const Duration = (what: string) =>
  Type.Object({
    count: Type.Integer({ description: `Requests with ${what}.` }),
    average_seconds: Nullable(Type.Integer({ description: 'Mean, in whole seconds (rounded half up from milliseconds); null without any.' })),
    median_seconds: Nullable(Type.Integer({ description: 'Lower median, in whole seconds; null without any.' })),
  });
const QueryCounts = Type.Array(Type.Object({ query: Type.String(), count: Type.Integer() }));

/** The support figures of a range: also the experience KPIs' `support` (analytics/experience.ts). */
export const supportFigureProperties = {
  requests: Type.Integer({ description: 'Support requests created in the range.' }),
  first_response_time: Duration('a merchant reply: first reply − creation'),
  resolution_time: Duration('a resolution: first resolution − creation'),
  resolved: Type.Integer({ description: 'Requests resolved at least once.' }),
  reopened: Type.Integer({ description: 'Of those, reopened at least once (by the merchant or by the payer writing again).' }),
  reopen_rate: Rate('reopened / resolved.'),
  first_contact_resolutions: Type.Integer({ description: 'Resolved requests with exactly one merchant reply before their first resolution, never reopened.' }),
  first_contact_resolution_rate: Rate('first_contact_resolutions / resolved.'),
};

const SupportSummary = Type.Object({
  object: Type.Literal('support_summary'),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  ...supportFigureProperties,
  faq: Type.Object({
    searches: Type.Integer({ description: 'Payer searches of the FAQ in the range (a search is a non-empty query).' }),
    searches_unanswered: Type.Integer({ description: 'Of those, searches no entry answered.' }),
    top_queries: QueryCounts,
    unanswered_queries: QueryCounts,
  }),
});

export function registerAnalyticsSupport(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/analytics/support',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Support: first response and resolution times, reopen rate, first-contact resolution, FAQ searches',
        description: 'Over the support requests created (and FAQ searches made) in `[from, to)`. Exact definitions in docs/api-support.md.',
        security: bearerAuth,
        querystring: Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) }, { additionalProperties: false }),
        response: { 200: SupportSummary, ...errorResponses(400, 401) },
      },
    },
    async (request) => supportAnalytics(deps.context, scopeOf(request), { from: new Date(request.query.from), to: new Date(request.query.to) }),
  );
}
