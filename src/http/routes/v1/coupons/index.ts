/** Registers the coupon routes (one per file, as the payment routes are). */
import type { App, RouteDeps } from '../../route-kit.ts';
import { registerCouponsAnalytics } from '../analytics/coupons.ts';
import { registerCouponsApply } from './apply.ts';
import { registerCouponsCreate } from './create.ts';
import { registerCouponsDisable } from './disable.ts';
import { registerCouponsList } from './list.ts';
import { registerCouponsRedemptions } from './redemptions.ts';
import { registerCouponsRetrieve } from './retrieve.ts';

export function registerCouponRoutes(app: App, deps: RouteDeps): void {
  registerCouponsCreate(app, deps);
  registerCouponsList(app, deps);
  registerCouponsRetrieve(app, deps);
  registerCouponsDisable(app, deps);
  registerCouponsRedemptions(app, deps);
  registerCouponsApply(app, deps);
  registerCouponsAnalytics(app, deps);
}
