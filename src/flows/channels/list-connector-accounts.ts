/** The merchant's connector accounts in the caller's mode, newest first (at most 100, in one page). */
import { listConnectorAccounts } from '../../store/connector-accounts.ts';
import type { Scope } from '../../store/scope.ts';
import type { FlowContext } from '../context.ts';
import { presentConnectorAccount } from './present-connector-account.ts';

const connectorAccountsListedMax = 100;

export async function connectorAccountList(context: FlowContext, scope: Scope) {
  const rows = await listConnectorAccounts(context.db, scope, connectorAccountsListedMax);
  return { object: 'list' as const, data: rows.map((row) => presentConnectorAccount(row, context.publicBaseUrl)), has_more: false };
}
