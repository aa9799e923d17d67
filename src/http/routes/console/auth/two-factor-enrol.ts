import { startEnrolment } from '../../../../flows/console/two-factor.ts';
import { consoleActorOf, consoleSchema, type App, type RouteDeps } from '../kit.ts';

/** Starts TOTP enrolment: a new secret as an otpauth URI and a QR code (an SVG data URL), shown this once. */
export function registerTwoFactorEnrol(app: App, deps: RouteDeps): void {
  app.post('/console/api/two_factor/enrolment', { config: { console: { permission: 'session' } }, schema: consoleSchema }, async (request) =>
    startEnrolment(deps.context, consoleActorOf(request)),
  );
}
