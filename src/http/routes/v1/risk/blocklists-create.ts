import { Type } from 'typebox';
import { addToBlocklist } from '../../../../flows/risk/blocklists.ts';
import { errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { AddressInput, BlocklistEntry, BlocklistKindSchema, tags } from './schemas.ts';

const Body = requestObject({
  kind: BlocklistKindSchema,
  value: Type.Optional(Type.String({ minLength: 1, maxLength: 320, description: 'An email, a phone number, a card fingerprint (payment_method.card.fingerprint), a customer or device id.' })),
  address: Type.Optional(AddressInput),
  reason: Type.Optional(Type.String({ maxLength: 500 })),
});

export function registerBlocklistsCreate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/blocklists',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Add a blocklist entry',
        description: 'A confirm that matches an entry is blocked unless an earlier rule of the merchant decides otherwise; rules may also read `blocklisted_*` signals. Adding an entry already listed answers it as it was.',
        security: bearerAuth,
        body: Body,
        response: { 200: BlocklistEntry, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => addToBlocklist(deps.context, scopeOf(request), request.body),
  );
}
