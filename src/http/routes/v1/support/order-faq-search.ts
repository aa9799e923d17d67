import { Type } from 'typebox';
import { limits } from '../../../../domain/limits.ts';
import { paymentForOrderPage } from '../../../../flows/checkout/orders.ts';
import { searchFaqForPayment } from '../../../../flows/support/faq.ts';
import { IdParams, Nullable, errorResponses } from '../../../schemas.ts';
import type { App, RouteDeps } from '../../route-kit.ts';
import { FaqEntry, LocaleInput } from './schemas.ts';

export function registerOrderFaqSearch(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/orders/:id/faq',
    {
      config: { addressLimit: 'payer' },
      schema: {
        tags: ['Support'],
        summary: "The merchant's FAQ for the payer, searched before asking for help",
        description: `With the order link's \`token\`. Without \`q\`: every entry in \`locale\`, in the merchant's order. With \`q\`: at most ${limits.faqSearchResultsMax} entries that share words (Chinese: characters and pairs of characters) with it, best first; the search is counted in \`GET /v1/analytics/support\`.`,
        params: IdParams,
        querystring: Type.Object(
          {
            token: Type.String({ maxLength: 64 }),
            locale: LocaleInput,
            q: Type.Optional(Type.String({ maxLength: limits.faqQueryLengthMax })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ object: Type.Literal('list'), query: Nullable(Type.String({ description: 'The query as counted (normalized).' })), data: Type.Array(FaqEntry), has_more: Type.Boolean() }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const payment = await paymentForOrderPage(deps.context, request.params.id, request.query.token);
      return searchFaqForPayment(deps.context, payment, { locale: request.query.locale, query: request.query.q });
    },
  );
}
