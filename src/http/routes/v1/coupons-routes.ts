/** Registers the coupon routes (one per file, as the payment routes are). */
import type { App, RouteDeps } from '../route-kit.ts';
import { registerCouponsAnalytics } from './coupons-analytics.ts';
import { registerCouponsApply } from './coupons-apply.ts';
import { registerCouponsCreate } from './coupons-create.ts';
import { registerCouponsDisable } from './coupons-disable.ts';
import { registerCouponsList } from './coupons-list.ts';
import { registerCouponsRedemptions } from './coupons-redemptions.ts';
import { registerCouponsRetrieve } from './coupons-retrieve.ts';

export function registerCouponRoutes(app: App, deps: RouteDeps): void {
  registerCouponsCreate(app, deps);
  registerCouponsList(app, deps);
  registerCouponsRetrieve(app, deps);
  registerCouponsDisable(app, deps);
  registerCouponsRedemptions(app, deps);
  registerCouponsApply(app, deps);
  registerCouponsAnalytics(app, deps);
}
