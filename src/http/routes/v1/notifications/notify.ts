import { Type } from 'typebox';
import { receiveNotification } from '../../../../flows/channels/apply-notification.ts';
import type { App, RouteDeps } from '../../route-kit.ts';

/**
 * `POST /v1/notify/:connector_account_id`: where providers send their
 * notifications, in their own formats. The body is kept as raw bytes, since
 * signatures are over the bytes exactly as sent.
 */
export async function registerNotify(app: App, deps: RouteDeps): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_request, body, done) => done(null, body));
    scope.post(
      '/v1/notify/:id',
      {
        config: { auth: 'none', addressLimit: 'provider_notification' },
        schema: {
          tags: ['Providers'],
          summary: "A provider's notification (Alipay, WeChat Pay, UnionPay), in the provider's own format",
          description:
            'The signature is verified on the raw bytes; a notification that fails is never trusted and only triggers a status query. The answer is what the provider expects (`success` for Alipay, 204 for WeChat Pay, `ok` for UnionPay).',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        },
      },
      async (request, reply) => {
        const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value[0] : value]));
        const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const { id } = request.params as { id: string };
        const answer = await receiveNotification(deps.context, id, { headers, rawBody });
        return reply.code(answer.status).type(answer.contentType).send(answer.body);
      },
    );
  });
}
