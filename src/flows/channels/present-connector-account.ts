/** A connector account as the API shows it: never its credentials, and the address its provider notifies. */
import type { ConnectorAccountRow } from '../../store/schema.ts';

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
