/** GET /v1/analytics/summary and /v1/analytics/timeseries (placeholder). */
import type { App, RouteDeps } from '../route-kit.ts';

export function registerAnalytics(_app: App, _deps: RouteDeps): void {}
