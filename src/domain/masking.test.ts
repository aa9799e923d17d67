import { describe, expect, it } from 'vitest';
import { fieldMasking, maskEmail, maskFreeText, maskPhone, maskRecord, pseudonymizeCustomerId } from './masking.ts';

const key = Buffer.alloc(32, 3);

describe('masking', () => {
  it('keeps the first character and the domain of an email, and masks what is not one entirely', () => {
    expect(maskEmail('wang.fang@example.com')).toBe('w***@example.com');
    expect(maskEmail('a@b.cn')).toBe('a***@b.cn');
    expect(maskEmail('not an email')).toBe('***');
    expect(maskEmail('@example.com')).toBe('***');
  });

  it('keeps only the last four digits of a phone number, and nothing of a short one', () => {
    expect(maskPhone('+86 138 0013 8000')).toBe('***8000');
    expect(maskPhone('(021) 5555-1234')).toBe('***1234');
    expect(maskPhone('1234')).toBe('***');
    expect(maskPhone('')).toBe('***');
  });

  it('masks emails and phone numbers inside free text and keeps the rest of the words', () => {
    const text = 'Call me at +86 138 0013 8000 or write to wang.fang@example.com, the price was 12.34 for order 1001.';
    const masked = maskFreeText(text);
    expect(masked).toBe('Call me at ***8000 or write to w***@example.com, the price was 12.34 for order 1001.');
    expect(masked).not.toContain('0013');
    expect(masked).not.toContain('wang.fang');
    expect(maskFreeText('请联系 13800138000 谢谢')).toBe('请联系 ***8000 谢谢');
    expect(maskFreeText('no personal data here')).toBe('no personal data here');
  });

  it('replaces a customer id by a keyed pseudonym: stable for one key, different under another, never the id', () => {
    const once = pseudonymizeCustomerId('cus_01ABC', key);
    expect(once).toMatch(/^cush_[A-Za-z0-9_-]{26}$/);
    expect(pseudonymizeCustomerId('cus_01ABC', key)).toBe(once);
    expect(pseudonymizeCustomerId('cus_01ABD', key)).not.toBe(once);
    expect(pseudonymizeCustomerId('cus_01ABC', Buffer.alloc(32, 4))).not.toBe(once);
    expect(once).not.toContain('01ABC');
    const cancellationPseudonym = 'cusp_abcdefghijklmnopqrstuvwxyz';
    expect(maskRecord({ customer: cancellationPseudonym }, key)).toEqual({ customer: cancellationPseudonym });
  });

  it('decides by field name, and masks nested objects and emails in any field', () => {
    expect(fieldMasking('email')).toBe('email');
    expect(fieldMasking('customer_phone')).toBe('phone');
    expect(fieldMasking('customer')).toBe('customer_id');
    expect(fieldMasking('comment')).toBe('free_text');
    expect(fieldMasking('payment_id')).toBe('keep');
    const record = {
      id: 'pev_0123456789012345',
      payment_id: 'pay_01ABC',
      customer_id: 'cus_01ABC',
      email: 'li.lei@example.org',
      phone: 8613800138000,
      comment: 'ring 138-0013-8000',
      amount: 1234,
      created_at: '2026-01-01T00:00:00+00:00',
      details: { contact: 'li.lei@example.org', customer: 'cus_01ABC' },
      tags: ['x', 'li.lei@example.org'],
      nothing: null,
    };
    const masked = maskRecord(record, key);
    expect(masked).toEqual({
      id: 'pev_0123456789012345',
      payment_id: 'pay_01ABC',
      customer_id: pseudonymizeCustomerId('cus_01ABC', key),
      email: 'l***@example.org',
      phone: '***8000',
      comment: 'ring ***8000',
      amount: 1234,
      created_at: '2026-01-01T00:00:00+00:00',
      details: { contact: 'l***@example.org', customer: pseudonymizeCustomerId('cus_01ABC', key) },
      tags: ['x', 'l***@example.org'],
      nothing: null,
    });
    expect(JSON.stringify(masked)).not.toMatch(/li\.lei|cus_01ABC|0013/);
  });
});
