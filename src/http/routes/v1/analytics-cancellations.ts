/** GET /v1/analytics/cancellations and the cancellation-abuse settings (placeholder). */
import type { App, RouteDeps } from '../route-kit.ts';

export function registerAnalyticsCancellations(_app: App, _deps: RouteDeps): void {}
