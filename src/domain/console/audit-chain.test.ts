import { describe, expect, it } from 'vitest';
import { auditGenesisHash, auditHash, auditValues, canonicalJson, type AuditContent } from './audit-chain.ts';

const content: AuditContent = {
  merchantId: 'mer_1',
  seq: 1n,
  id: 'aud_1',
  occurredAt: new Date('2026-12-06T10:00:00.123Z'),
  actorType: 'member',
  actorId: 'mem_1',
  actorLabel: 'a@example.com',
  action: 'member.role_changed',
  objectType: 'member',
  objectId: 'mem_2',
  address: '127.0.0.1',
  requestId: 'req_1',
  before: { role: 'analyst' },
  after: { role: 'operator' },
};

describe('the audit chain', () => {
  it('gives the same text whatever the order of keys', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
  });
  it('changes the hash when any field or the previous hash changes', () => {
    const hash = auditHash(auditGenesisHash, content);
    expect(hash).toHaveLength(32);
    expect(auditHash(auditGenesisHash, { ...content })).toEqual(hash);
    expect(auditHash(auditGenesisHash, { ...content, after: { role: 'owner' } })).not.toEqual(hash);
    expect(auditHash(auditGenesisHash, { ...content, seq: 2n })).not.toEqual(hash);
    expect(auditHash(Buffer.alloc(32, 1), content)).not.toEqual(hash);
  });
  it('never keeps a secret among the values, at any depth', () => {
    const values = auditValues({ email: 'a@example.com', password: 'x', password_hash: 'y', nested: { totp_secret: 'z', token: 't', ok: 1 }, amount: 10n });
    expect(values).toEqual({ email: 'a@example.com', nested: { ok: 1 }, amount: '10' });
    expect(auditValues(null)).toBeNull();
  });
});
