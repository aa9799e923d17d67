/** Alert rules, /v1/alerts and /v1/analytics/incidents (placeholder). */
import type { App, RouteDeps } from '../route-kit.ts';

export function registerAlerts(_app: App, _deps: RouteDeps): void {}
