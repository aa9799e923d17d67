import { Type } from 'typebox';
import { PaymentError } from '../../../domain/errors.ts';
import { locales, type Locale } from '../../../domain/locale.ts';
import { now, type FlowContext } from '../../../flows/context.ts';
import { findActiveFlag } from '../../../store/cancellation-abuse.ts';
import { findCustomer, insertCustomer, updateCustomer, type CustomerChange } from '../../../store/customers.ts';
import type { CustomerRow } from '../../../store/schema.ts';
import { Customer, IdParams, Metadata, errorResponses, requestObject, stringEnum } from '../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../route-kit.ts';

function presentCustomer(customer: CustomerRow, restrictedUntil: Date | null) {
  return {
    id: customer.id,
    object: 'customer' as const,
    livemode: customer.mode === 'live',
    email: customer.email,
    phone: customer.phone,
    name: customer.name,
    locale: customer.locale,
    time_zone: customer.time_zone,
    notifications: { email: !customer.email_opt_out, sms: !customer.sms_opt_out },
    metadata: customer.metadata,
    restricted_until: restrictedUntil ? restrictedUntil.toISOString() : null,
    created_at: customer.created_at.toISOString(),
  };
}

/** The customer with their flag for abuse of cancellation, when one holds now (flags are kept per merchant and mode). */
async function presentWithFlag(context: FlowContext, customer: CustomerRow) {
  const flag = await findActiveFlag(context.db, { merchantId: customer.merchant_id, mode: customer.mode }, customer.id, now(context));
  return presentCustomer(customer, flag?.flagged_until ?? null);
}

/** Where most payers writing each language live, when the merchant does not say. */
const defaultTimeZones: Record<Locale, string> = { en: 'UTC', 'zh-CN': 'Asia/Shanghai', 'zh-TW': 'Asia/Taipei' };

function checkTimeZone(timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en', { timeZone }).resolvedOptions().timeZone;
  } catch {
    throw new PaymentError('parameter_invalid', { param: 'time_zone', details: { reason: 'not an IANA time zone such as Asia/Shanghai' } });
  }
}

const CustomerFields = {
  email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
  phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9 ()-]{5,20}$' })),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  locale: Type.Optional(stringEnum(locales)),
  time_zone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA name; default from the locale (Asia/Shanghai for zh-CN, Asia/Taipei for zh-TW, UTC).' })),
  notifications: Type.Optional(
    requestObject({ email: Type.Optional(Type.Boolean()), sms: Type.Optional(Type.Boolean()) }, { description: 'false opts the payer out of that channel.' }),
  ),
  metadata: Type.Optional(Metadata),
};

interface CustomerBody {
  email?: string;
  phone?: string;
  name?: string;
  locale?: Locale;
  time_zone?: string;
  notifications?: { email?: boolean; sms?: boolean };
  metadata?: Record<string, string>;
}

function changeOf(body: CustomerBody): CustomerChange {
  return {
    ...(body.email !== undefined ? { email: body.email } : {}),
    ...(body.phone !== undefined ? { phone: body.phone } : {}),
    ...(body.name !== undefined ? { name: body.name } : {}),
    ...(body.locale !== undefined ? { locale: body.locale } : {}),
    ...(body.time_zone !== undefined ? { time_zone: checkTimeZone(body.time_zone) } : {}),
    ...(body.notifications?.email !== undefined ? { email_opt_out: !body.notifications.email } : {}),
    ...(body.notifications?.sms !== undefined ? { sms_opt_out: !body.notifications.sms } : {}),
    ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
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
        body: requestObject(CustomerFields),
        response: { 200: Customer, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const body = request.body;
      const scope = scopeOf(request);
      const locale = body.locale ?? 'en';
      const customer = await insertCustomer(deps.context.db, {
        id: deps.context.ids.newId('cus'),
        merchant_id: scope.merchantId,
        mode: scope.mode,
        email: null,
        phone: null,
        name: null,
        metadata: {},
        time_zone: defaultTimeZones[locale],
        email_opt_out: false,
        sms_opt_out: false,
        ...changeOf(body),
        locale,
        created_at: now(deps.context),
      });
      // A customer just created has cancelled nothing yet.
      return presentCustomer(customer, null);
    },
  );

  app.get(
    '/v1/customers/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Customers'],
        summary: 'Retrieve a customer',
        description: '`restricted_until`: until when the customer is flagged for abuse of cancellation (see `/v1/analytics/flagged_customers`), or null.',
        security: bearerAuth, params: IdParams, response: { 200: Customer, ...errorResponses(401, 404) } },
    },
    async (request) => {
      const customer = await findCustomer(deps.context.db, scopeOf(request), request.params.id);
      if (!customer) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'customer', id: request.params.id } });
      return presentWithFlag(deps.context, customer);
    },
  );

  app.post(
    '/v1/customers/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Customers'],
        summary: 'Update a customer',
        description: 'Only the fields sent change. `notifications: {"email": false}` opts the payer out of payment emails.',
        security: bearerAuth,
        params: IdParams,
        body: requestObject(CustomerFields),
        response: { 200: Customer, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const customer = await updateCustomer(deps.context.db, scopeOf(request), request.params.id, changeOf(request.body));
      if (!customer) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'customer', id: request.params.id } });
      return presentWithFlag(deps.context, customer);
    },
  );
}
