/** What a merchant sees of a key: never its secret, except once, in the answer that made it. */
import type { ApiKeyRow } from '../../store/api-keys.ts';

export type ApiKeyStatus = 'active' | 'expiring' | 'expired' | 'revoked';

export interface ApiKeyView {
  id: string;
  object: 'api_key';
  kind: 'secret' | 'publishable';
  mode: 'test' | 'live';
  /** The key's prefix and last four characters. */
  hint: string;
  status: ApiKeyStatus;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  replaced_by: string | null;
}

export function apiKeyStatus(row: Pick<ApiKeyRow, 'revoked_at' | 'expires_at'>, nowMs: number): ApiKeyStatus {
  if (row.revoked_at) return 'revoked';
  if (row.expires_at) return row.expires_at.getTime() <= nowMs ? 'expired' : 'expiring';
  return 'active';
}

export function presentApiKey(row: ApiKeyRow, nowMs: number): ApiKeyView {
  return {
    id: row.id,
    object: 'api_key',
    kind: row.kind,
    mode: row.mode,
    hint: row.key_hint,
    status: apiKeyStatus(row, nowMs),
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
    replaced_by: row.replaced_by,
  };
}
