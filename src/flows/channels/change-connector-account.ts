/**
 * Changing a connector account: on or off, its priority, its gateway, or its
 * credentials replaced whole (checked against its connector). Another
 * merchant's or mode's account answers as a missing one.
 */
import type { ConnectorName } from '../../connectors/connector.ts';
import { PaymentError } from '../../domain/errors.ts';
import { findConnectorAccountById, updateConnectorAccount } from '../../store/connector-accounts.ts';
import type { Scope } from '../../store/scope.ts';
import { now, type FlowContext } from '../context.ts';
import { checkBaseUrl, checkCredentials, storedBaseUrl } from './connector-account-rules.ts';
import { presentConnectorAccount } from './present-connector-account.ts';

export interface ConnectorAccountChangeInput {
  enabled?: boolean;
  priority?: number;
  base_url?: string;
  credentials?: Record<string, string>;
}

export async function changeConnectorAccount(context: FlowContext, scope: Scope, id: string, input: ConnectorAccountChangeInput) {
  const missing = () => new PaymentError('resource_missing', { param: 'id', details: { resource: 'connector account', id } });
  const existing = await findConnectorAccountById(context.db, scope.merchantId, id);
  if (!existing || existing.merchant_id !== scope.merchantId || existing.mode !== scope.mode) throw missing();
  if (input.credentials) checkCredentials(existing.connector as ConnectorName, input.credentials);
  if (input.base_url !== undefined) await checkBaseUrl(context, input.base_url, scope.mode);
  const updated = await updateConnectorAccount(
    context.db,
    scope,
    existing.id,
    {
      enabled: input.enabled,
      priority: input.priority,
      baseUrl: input.base_url === undefined ? undefined : storedBaseUrl(input.base_url),
      credentials: input.credentials,
      now: now(context),
    },
    context.keys.credentials,
  );
  if (!updated) throw missing();
  return presentConnectorAccount(updated, context.publicBaseUrl);
}
