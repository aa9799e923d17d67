import { Type } from 'typebox';
import { replyToSupportRequest } from '../../../../flows/support/merchant-actions.ts';
import { IdParams, errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { MessageBody, SupportRequest } from './schemas.ts';

export function registerSupportRequestsReply(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/support_requests/:id/replies',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Support'],
        summary: 'Answer the payer; the answer is emailed or texted to them, as they asked',
        description:
          'The first reply sets `first_response_at`. With `resolve: true` the request is resolved by the same reply. A resolved request is not answered (reopen it first): 409 `support_request_unexpected_state`.',
        security: bearerAuth,
        params: IdParams,
        body: requestObject({ message: MessageBody, resolve: Type.Optional(Type.Boolean()) }),
        response: { 200: SupportRequest, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request) => replyToSupportRequest(deps.context, scopeOf(request), request.params.id, request.body),
  );
}
