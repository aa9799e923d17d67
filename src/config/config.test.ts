import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST', () => {
  it('is off unless set, so test-mode URLs reach public addresses only', () => {
    expect(loadConfig({}).allowPrivateUrlsInTest).toBe(false);
  });

  it('is on for a command that defaults it on (npm start), unless the operator says false', () => {
    expect(loadConfig({}, { allowPrivateUrlsInTest: true }).allowPrivateUrlsInTest).toBe(true);
    expect(loadConfig({ PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST: 'false' }, { allowPrivateUrlsInTest: true }).allowPrivateUrlsInTest).toBe(false);
  });

  it('reads true and false in any case, and refuses anything else rather than guess', () => {
    expect(loadConfig({ PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST: 'TRUE' }).allowPrivateUrlsInTest).toBe(true);
    expect(loadConfig({ PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST: ' false ' }).allowPrivateUrlsInTest).toBe(false);
    expect(() => loadConfig({ PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST: 'yes' })).toThrow(ConfigError);
  });
});
