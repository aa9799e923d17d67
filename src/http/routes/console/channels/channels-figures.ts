import { Type } from 'typebox';
import { analyticsGranularities } from '../../../../domain/insight/analytics.ts';
import { channelFigures } from '../../../../flows/console/channels.ts';
import { CurrencyInput, stringEnum } from '../../../schemas.ts';
import { consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

const Query = Type.Object(
  {
    mode: Type.Optional(stringEnum(['test', 'live'] as const)),
    from: Type.String({ minLength: 10, maxLength: 40 }),
    to: Type.String({ minLength: 10, maxLength: 40 }),
    granularity: stringEnum(analyticsGranularities),
    currency: Type.Optional(CurrencyInput),
  },
  { additionalProperties: false },
);

/** Success rate, latency p50/p95/p99 and decline codes per channel and connector account, for the range and per hour or day. */
export function registerChannelFigures(app: App, deps: RouteDeps): void {
  app.get(
    '/console/api/channels',
    { config: { console: { permission: ['analytics.read', 'connector_accounts.read'] } }, schema: { ...consoleSchema, querystring: Query } },
    async (request) => {
      const { mode, ...parameters } = request.query;
      return channelFigures(deps.context, consoleScope(request, mode), parameters);
    },
  );
}
