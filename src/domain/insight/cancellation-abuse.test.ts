import { describe, expect, it } from 'vitest';
import { seededRandom } from '../clock.ts';
import { maskRecipient, newVerificationCode, verificationCodeHash, verificationCodeMatches, verificationMessage } from './cancellation-abuse.ts';
import { cancellationSummaryRows, rateOf, summarizeCancellations } from './cancellation-summary.ts';

const key = Buffer.alloc(32, 3);

describe('one-time codes for a restricted customer', () => {
  it('are six digits and never the card simulator\'s fixed 000000, even from a source that draws zeros', () => {
    const random = seededRandom(42);
    for (let i = 0; i < 500; i += 1) expect(newVerificationCode(random)).toMatch(/^\d{6}$/);
    let calls = 0;
    const zerosThenOnes = { bytes: (n: number) => Buffer.alloc(n, calls++ === 0 ? 0 : 1) };
    expect(newVerificationCode(zerosThenOnes)).not.toBe('000000');
  });

  it('match only their own payment and key', () => {
    const hash = verificationCodeHash('123456', 'pay_1', key);
    expect(verificationCodeMatches('123456', 'pay_1', key, hash)).toBe(true);
    expect(verificationCodeMatches('123457', 'pay_1', key, hash)).toBe(false);
    expect(verificationCodeMatches('123456', 'pay_2', key, hash)).toBe(false);
    expect(verificationCodeMatches('123456', 'pay_1', Buffer.alloc(32, 4), hash)).toBe(false);
  });

  it('are sent in the customer\'s language to a masked recipient', () => {
    expect(maskRecipient('sms', '+86 138 0013 8000')).toBe('•••• 8000');
    expect(maskRecipient('email', 'li@example.com')).toBe('l•••@example.com');
    expect(verificationMessage('zh-CN', '茶馆', '482913').body).toContain('482913');
    expect(verificationMessage('zh-TW', '茶館', '482913').body).toContain('驗證碼');
    expect(verificationMessage('en', 'Tea House', '482913')).toMatchObject({ subject: 'Your Tea House verification code' });
  });
});

describe('the cancellation summary', () => {
  it('names every reason, stage, source and cause with zeros, and rates over payments created rounded to 4 decimals', () => {
    const summary = summarizeCancellations(3, [
      { reason: 'duplicate', stage: 'created', source: 'merchant', detected_cause: 'duplicate', count: 2 },
    ]);
    expect(summary).toMatchObject({ payments_created: 3, cancellations: 2, cancellation_rate: 0.6667 });
    expect(summary.by_reason).toMatchObject({ duplicate: 2, other: 0, abandoned: 0 });
    expect(summary.by_stage).toMatchObject({ created: 2, authorized: 0 });
    expect(summary.by_source).toEqual({ payer: 0, merchant: 2, provider: 0, system: 0 });
    expect(summary.cancellation_rate_by_reason.duplicate).toBe(0.6667);
    expect(rateOf(1, 0)).toBe(0);
    const rows = cancellationSummaryRows(summary);
    expect(rows[0]).toEqual({ dimension: 'payments_created', value: 'all', count: 3, rate: null });
    expect(rows).toContainEqual({ dimension: 'source', value: 'merchant', count: 2, rate: null });
  });
});
