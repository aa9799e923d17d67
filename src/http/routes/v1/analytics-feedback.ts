/** GET /v1/analytics/feedback: CSAT and NPS (placeholder). */
import type { App, RouteDeps } from '../route-kit.ts';

export function registerAnalyticsFeedback(_app: App, _deps: RouteDeps): void {}
