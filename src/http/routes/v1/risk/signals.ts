import { Type } from 'typebox';
import { signalCatalog } from '../../../../flows/risk/rules.ts';
import { errorResponses, stringEnum } from '../../../schemas.ts';
import { bearerAuth, type App } from '../../route-kit.ts';
import { tags } from './schemas.ts';

export function registerRiskSignals(app: App): void {
  app.get(
    '/v1/risk_rules/signals',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'The signals a rule may read, with their types',
        security: bearerAuth,
        response: {
          200: Type.Object({ object: Type.Literal('list'), data: Type.Array(Type.Object({ name: Type.String(), type: stringEnum(['number', 'boolean', 'string'] as const) })) }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => signalCatalog(),
  );
}
