import { getCheckoutSetting } from '../../../../flows/experiments/experiments.ts';
import { errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { CheckoutSetting } from './schemas.ts';

export function registerCheckoutSettingRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/checkout_setting',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Experiments'],
        summary: "The merchant's checkout setting",
        description: 'The presentation the hosted checkout uses outside experiments (the defaults until a stopped experiment promotes a variant), and the experiment it came from.',
        security: bearerAuth,
        response: { 200: CheckoutSetting, ...errorResponses(401) },
      },
    },
    async (request) => getCheckoutSetting(deps.context, scopeOf(request)),
  );
}
