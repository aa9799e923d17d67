/**
 * Storing a merchant's credentials at a provider. The credentials are
 * checked against what the connector needs and sealed at rest; `base_url`
 * defaults to the operator's choice for the connector (the bundled simulator).
 */
import type { ConnectorName } from '../../connectors/connector.ts';
import { PaymentError } from '../../domain/errors.ts';
import { insertConnectorAccount } from '../../store/connector-accounts.ts';
import type { Scope } from '../../store/scope.ts';
import { now, type FlowContext } from '../context.ts';
import { checkBaseUrl, checkCredentials, storedBaseUrl } from './connector-account-rules.ts';
import { presentConnectorAccount } from './present-connector-account.ts';

export interface NewConnectorAccountInput {
  connector: ConnectorName;
  credentials: Record<string, string>;
  base_url?: string;
  priority?: number;
  enabled?: boolean;
}

export async function createConnectorAccount(
  context: FlowContext,
  scope: Scope,
  input: NewConnectorAccountInput,
  defaultBaseUrls: Partial<Record<string, string>>,
) {
  const { connector, credentials } = input;
  checkCredentials(connector, credentials);
  const baseUrl = input.base_url ?? defaultBaseUrls[connector];
  if (!baseUrl) throw new PaymentError('parameter_missing', { param: 'base_url' });
  await checkBaseUrl(context, baseUrl, scope.mode);
  const account = await insertConnectorAccount(
    context.db,
    scope,
    {
      id: context.ids.newId('ca'),
      connector,
      enabled: input.enabled ?? true,
      priority: input.priority ?? 50,
      baseUrl: storedBaseUrl(baseUrl),
      credentials,
      now: now(context),
    },
    context.keys.credentials,
  );
  return presentConnectorAccount(account, context.publicBaseUrl);
}
