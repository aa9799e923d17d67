/** GET /v1/analytics/customer_segments (placeholder). */
import type { App, RouteDeps } from '../route-kit.ts';

export function registerAnalyticsSegments(_app: App, _deps: RouteDeps): void {}
