import { Type } from 'typebox';
import { abuseActions, abuseRules } from '../../../../domain/insight/cancellation-abuse.ts';
import { changeAbuseSettings } from '../../../../flows/insight/cancellation-abuse-settings.ts';
import { errorResponses, requestObject, stringEnum } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { AbuseSettings } from './schemas.ts';

const AbuseSettingsBody = requestObject({
  max_cancellations_per_hour: Type.Optional(Type.Integer({ minimum: abuseRules.maxCancellationsPerHourMin, maximum: abuseRules.maxCancellationsPerHourMax })),
  action: Type.Optional(stringEnum(abuseActions)),
  flag_duration_hours: Type.Optional(Type.Integer({ minimum: abuseRules.flagDurationHoursMin, maximum: abuseRules.flagDurationHoursMax })),
});

export function registerCancellationAbuseSettingsUpdate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/cancellation_abuse_settings',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Change the settings against abuse of cancellation',
        description:
          '`action` for a flagged customer\'s next payments: `none`; `require_otp` (confirm answers `requires_action` with `next_action.type = verify_otp` and a 6-digit code goes to the customer by SMS, else email; confirm again with `otp`, 3 tries per code, codes valid 10 minutes, 3 codes per payment); `refuse` (confirm answers 403 `customer_restricted` with `unlocks_at`). Fields left out keep their value.',
        security: bearerAuth,
        body: AbuseSettingsBody,
        response: { 200: AbuseSettings, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => changeAbuseSettings(deps.context, scopeOf(request), request.body),
  );
}
