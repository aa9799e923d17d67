import { Type } from 'typebox';
import { connectorNames } from '../../../connectors/connector.ts';
import { PaymentError } from '../../../domain/errors.ts';
import { now } from '../../../flows/context.ts';
import { checkOutboundUrl } from '../../../flows/notifications/outbound-urls.ts';
import { findConnectorAccountById, insertConnectorAccount, listConnectorAccounts, updateConnectorAccount } from '../../../store/connector-accounts.ts';
import type { ConnectorAccountRow } from '../../../store/schema.ts';
import { ConnectorAccount, IdParams, errorResponses, listOf, requestObject, stringEnum } from '../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../route-kit.ts';

/** The credentials each connector needs; nothing else is accepted, and none is ever returned. */
const requiredCredentials: Record<(typeof connectorNames)[number], readonly string[]> = {
  card: ['api_key'],
  alipay: ['app_id', 'private_key', 'alipay_public_key', 'seller_id'],
  wechat_pay: ['mchid', 'appid', 'serial_no', 'private_key', 'apiv3_key'],
  unionpay: ['mer_id', 'cert_id', 'private_key', 'unionpay_public_key'],
};
/** Accepted, not required: WeChat Pay's platform key and its id (public key mode) or first certificate; without them the certificates are downloaded. */
const optionalCredentials: Partial<Record<(typeof connectorNames)[number], readonly string[]>> = {
  wechat_pay: ['platform_public_key', 'platform_serial'],
};

export function presentConnectorAccount(account: ConnectorAccountRow, publicBaseUrl: string) {
  return {
    id: account.id,
    object: 'connector_account' as const,
    livemode: account.mode === 'live',
    connector: account.connector,
    enabled: account.enabled,
    priority: account.priority,
    base_url: account.base_url,
    notify_url: `${publicBaseUrl}/v1/notify/${account.id}`,
    created_at: account.created_at.toISOString(),
    updated_at: account.updated_at.toISOString(),
  };
}

export function registerConnectorAccounts(app: App, deps: RouteDeps & { defaultBaseUrls: Partial<Record<string, string>> }): void {
  app.post(
    '/v1/connector_accounts',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Connector accounts'],
        summary: "Store the merchant's credentials at a provider",
        description:
          'Credentials are write-only: encrypted at rest with AES-256-GCM and never returned. `base_url` defaults to the bundled simulator. It must reach a public address (`url_not_public` otherwise, checked when saved and on every connection); test-mode accounts may reach private ones (such as the simulators on 127.0.0.1) only when the operator sets PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST=true.',
        security: bearerAuth,
        body: requestObject({
          connector: stringEnum(connectorNames),
          credentials: Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 10_000 }), { maxProperties: 20 }),
          base_url: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 500 })),
          priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
          enabled: Type.Optional(Type.Boolean()),
        }),
        response: { 200: ConnectorAccount, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { connector, credentials } = request.body;
      checkCredentials(connector, credentials);
      const baseUrl = request.body.base_url ?? deps.defaultBaseUrls[connector];
      if (!baseUrl) throw new PaymentError('parameter_missing', { param: 'base_url' });
      await checkBaseUrl(deps.context, baseUrl, scopeOf(request).mode);
      const account = await insertConnectorAccount(
        deps.context.db,
        scopeOf(request),
        {
          id: deps.context.ids.newId('ca'),
          connector,
          enabled: request.body.enabled ?? true,
          priority: request.body.priority ?? 50,
          baseUrl: baseUrl.replace(/\/+$/, ''),
          credentials,
          now: now(deps.context),
        },
        deps.context.keys.credentials,
      );
      return presentConnectorAccount(account, deps.context.publicBaseUrl);
    },
  );

  app.get(
    '/v1/connector_accounts',
    {
      config: { auth: 'secret' },
      schema: { tags: ['Connector accounts'], summary: 'List connector accounts', security: bearerAuth, response: { 200: listOf(ConnectorAccount), ...errorResponses(401) } },
    },
    async (request) => {
      const rows = await listConnectorAccounts(deps.context.db, scopeOf(request), 100);
      return { object: 'list' as const, data: rows.map((row) => presentConnectorAccount(row, deps.context.publicBaseUrl)), has_more: false };
    },
  );

  app.post(
    '/v1/connector_accounts/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Connector accounts'],
        summary: 'Update a connector account',
        description: 'Turns it on or off, changes its priority (higher is tried first) or gateway, or replaces its credentials whole.',
        security: bearerAuth,
        params: IdParams,
        body: requestObject({
          enabled: Type.Optional(Type.Boolean()),
          priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
          base_url: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 500 })),
          credentials: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 10_000 }), { maxProperties: 20 })),
        }),
        response: { 200: ConnectorAccount, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const scope = scopeOf(request);
      const missing = () => new PaymentError('resource_missing', { param: 'id', details: { resource: 'connector account', id: request.params.id } });
      const existing = await findConnectorAccountById(deps.context.db, request.params.id);
      if (!existing || existing.merchant_id !== scope.merchantId || existing.mode !== scope.mode) throw missing();
      if (request.body.credentials) checkCredentials(existing.connector as (typeof connectorNames)[number], request.body.credentials);
      if (request.body.base_url !== undefined) await checkBaseUrl(deps.context, request.body.base_url, scope.mode);
      const updated = await updateConnectorAccount(
        deps.context.db,
        scope,
        existing.id,
        {
          enabled: request.body.enabled,
          priority: request.body.priority,
          baseUrl: request.body.base_url?.replace(/\/+$/, ''),
          credentials: request.body.credentials,
          now: now(deps.context),
        },
        deps.context.keys.credentials,
      );
      if (!updated) throw missing();
      return presentConnectorAccount(updated, deps.context.publicBaseUrl);
    },
  );
}

/** A gateway must be an absolute URL that reaches a public address (url_not_public), as every call to it is checked again. */
async function checkBaseUrl(context: RouteDeps['context'], baseUrl: string, mode: 'test' | 'live'): Promise<void> {
  if (!URL.canParse(baseUrl)) throw new PaymentError('parameter_invalid', { param: 'base_url', details: { reason: 'not an absolute URL' } });
  await checkOutboundUrl(context, baseUrl, mode, 'base_url');
}

function checkCredentials(connector: (typeof connectorNames)[number], credentials: Record<string, string>): void {
  const required = requiredCredentials[connector];
  const missing = required.find((name) => !credentials[name]);
  if (missing) throw new PaymentError('parameter_missing', { param: `credentials.${missing}` });
  const optional = optionalCredentials[connector] ?? [];
  const unknown = Object.keys(credentials).find((name) => !required.includes(name) && !optional.includes(name));
  if (unknown) throw new PaymentError('parameter_unknown', { param: `credentials.${unknown}` });
}
