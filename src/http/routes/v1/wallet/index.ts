/** The wallet routes, /v1/customers/:id/wallet… and /v1/payments/:id/wallet: one route per file. */
import type { App, RouteDeps } from '../../route-kit.ts';
import { registerWalletPaymentInquiry } from './payment-inquiry.ts';
import { registerWalletPinSet } from './pin-set.ts';
import { registerWalletRetrieve } from './retrieve.ts';
import { registerWalletTopUpsCreate } from './top-ups-create.ts';
import { registerWalletTransactionsList } from './transactions-list.ts';

export function registerWallet(app: App, deps: RouteDeps): void {
  registerWalletRetrieve(app, deps);
  registerWalletPinSet(app, deps);
  registerWalletTopUpsCreate(app, deps);
  registerWalletTransactionsList(app, deps);
  registerWalletPaymentInquiry(app, deps);
}
