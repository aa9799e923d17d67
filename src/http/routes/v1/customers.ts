import { Type } from 'typebox';
import { PaymentError } from '../../../domain/errors.ts';
import { locales } from '../../../domain/locale.ts';
import { now } from '../../../flows/context.ts';
import { findCustomer, insertCustomer } from '../../../store/customers.ts';
import type { CustomerRow } from '../../../store/schema.ts';
import { Customer, IdParams, Metadata, errorResponses, requestObject, stringEnum } from '../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../route-kit.ts';

function presentCustomer(customer: CustomerRow) {
  return {
    id: customer.id,
    object: 'customer' as const,
    livemode: customer.mode === 'live',
    email: customer.email,
    phone: customer.phone,
    name: customer.name,
    locale: customer.locale,
    metadata: customer.metadata,
    created_at: customer.created_at.toISOString(),
  };
}

export function registerCustomers(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/customers',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Customers'],
        summary: 'Create a customer',
        security: bearerAuth,
        body: requestObject({
          email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
          phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9 ()-]{5,20}$' })),
          name: Type.Optional(Type.String({ maxLength: 200 })),
          locale: Type.Optional(stringEnum(locales)),
          metadata: Type.Optional(Metadata),
        }),
        response: { 200: Customer, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const body = request.body;
      const scope = scopeOf(request);
      const customer = await insertCustomer(deps.context.db, {
        id: deps.context.ids.newId('cus'),
        merchant_id: scope.merchantId,
        mode: scope.mode,
        email: body.email ?? null,
        phone: body.phone ?? null,
        name: body.name ?? null,
        locale: body.locale ?? 'en',
        metadata: body.metadata ?? {},
        created_at: now(deps.context),
      });
      return presentCustomer(customer);
    },
  );

  app.get(
    '/v1/customers/:id',
    {
      config: { auth: 'secret' },
      schema: { tags: ['Customers'], summary: 'Retrieve a customer', security: bearerAuth, params: IdParams, response: { 200: Customer, ...errorResponses(401, 404) } },
    },
    async (request) => {
      const customer = await findCustomer(deps.context.db, scopeOf(request), request.params.id);
      if (!customer) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'customer', id: request.params.id } });
      return presentCustomer(customer);
    },
  );
}
