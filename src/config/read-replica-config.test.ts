import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('DATABASE_READ_URL', () => {
  it('is unset by default: every read on the primary', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://a@db/paypilot' }).databaseReadUrl).toBeNull();
  });

  it('takes a postgres:// URL beside DATABASE_URL', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://a@primary/paypilot', DATABASE_READ_URL: ' postgresql://a@replica/paypilot ' });
    expect(config.databaseReadUrl).toBe('postgresql://a@replica/paypilot');
  });

  it('refuses a URL that is not postgres://, and a replica without DATABASE_URL (the embedded server has none)', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://a@primary/paypilot', DATABASE_READ_URL: 'mysql://replica' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_READ_URL: 'postgres://a@replica/paypilot' })).toThrow(/needs DATABASE_URL/);
  });
});
