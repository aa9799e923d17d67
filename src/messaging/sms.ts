/**
 * SMS through an HTTP provider: `POST <url>` with `{"to", "text"}` and
 * `Authorization: Bearer <key>`, answered 2xx with `{"id"}`. Most SMS
 * gateways take this shape or a thin adapter of it; the development sink
 * (simulators/mail-catcher) speaks it.
 */
import { limits } from '../domain/limits.ts';
import { PermanentSendError, type SmsSender } from './messaging.ts';

export function httpSmsSender(settings: { url: string; apiKey: string | null }): SmsSender {
  return {
    async send(sms) {
      const response = await fetch(settings.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {}) },
        body: JSON.stringify({ to: sms.to, text: sms.text }),
        redirect: 'manual',
        signal: AbortSignal.timeout(limits.messageSendTimeoutMs),
      });
      const text = await response.text();
      if (response.status >= 200 && response.status < 300) {
        const id = (() => {
          try {
            return String((JSON.parse(text) as { id?: unknown }).id ?? '');
          } catch {
            return '';
          }
        })();
        return { id };
      }
      const detail = `SMS provider answered ${response.status}: ${text.slice(0, 200)}`;
      // A refused request (bad number, bad key) stays refused; throttling and server errors may pass.
      if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) throw new PermanentSendError(detail);
      throw new Error(detail);
    },
  };
}
