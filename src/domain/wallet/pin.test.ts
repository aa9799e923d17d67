import { describe, expect, it } from 'vitest';
import { seededRandom } from '../clock.ts';
import { hashPin, isGuessablePin, pinLockout, verifyPin } from './pin.ts';

const pepper = Buffer.alloc(32, 7);

describe('payment PINs', () => {
  it('verifies the right PIN and refuses a wrong or malformed one', async () => {
    const stored = await hashPin('402913', pepper, seededRandom(1));
    expect(stored).not.toContain('402913');
    expect(await verifyPin('402913', stored, pepper)).toBe(true);
    expect(await verifyPin('402914', stored, pepper)).toBe(false);
    expect(await verifyPin('40291', stored, pepper)).toBe(false);
  });

  it('salts each hash, so one PIN stored twice looks different', async () => {
    const random = seededRandom(2);
    expect(await hashPin('402913', pepper, random)).not.toBe(await hashPin('402913', pepper, random));
  });

  it('cannot be checked without the pepper', async () => {
    const stored = await hashPin('402913', pepper, seededRandom(3));
    expect(await verifyPin('402913', stored, Buffer.alloc(32, 8))).toBe(false);
  });

  it('calls repeated digits and runs guessable, and other PINs not', () => {
    for (const pin of ['000000', '777777', '123456', '456789', '987654', '012345']) expect(isGuessablePin(pin)).toBe(true);
    for (const pin of ['402913', '123457', '112233', '135790']) expect(isGuessablePin(pin)).toBe(false);
  });

  it('counts attempts remaining until the lock, and none while locked', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(pinLockout(0, null, now)).toEqual({ locked: false, unlocksAt: null, attemptsRemaining: 5 });
    expect(pinLockout(3, null, now)).toEqual({ locked: false, unlocksAt: null, attemptsRemaining: 2 });
    const until = new Date(now + 60_000);
    expect(pinLockout(5, until, now)).toEqual({ locked: true, unlocksAt: until, attemptsRemaining: 0 });
    // Once the lock has passed, the payer has all their tries again.
    expect(pinLockout(5, new Date(now - 1), now)).toEqual({ locked: false, unlocksAt: null, attemptsRemaining: 5 });
  });
});
