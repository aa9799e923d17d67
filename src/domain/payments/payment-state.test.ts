import { describe, expect, it } from 'vitest';
import { AssertionError } from '../assert.ts';
import {
  abandonableStatuses,
  assertTransition,
  canTransition,
  isCancelable,
  isConfirmable,
  isFinal,
  paymentStatuses,
  type PaymentStatus,
} from './payment-state.ts';

/** The legal moves, written out from API.md so the table in the code is checked against an independent copy. */
const legal: Record<PaymentStatus, PaymentStatus[]> = {
  requires_payment_method: ['processing', 'requires_action', 'canceled'],
  requires_confirmation: ['processing', 'requires_action', 'canceled'],
  requires_action: ['processing', 'requires_payment_method', 'requires_capture', 'succeeded', 'canceled'],
  processing: ['requires_payment_method', 'requires_action', 'requires_capture', 'succeeded', 'canceled'],
  requires_capture: ['processing', 'canceled'],
  succeeded: [],
  canceled: [],
};

describe('the payment state machine', () => {
  it('knows the seven statuses of API.md', () => {
    expect([...paymentStatuses].sort()).toEqual(
      ['requires_payment_method', 'requires_confirmation', 'requires_action', 'processing', 'requires_capture', 'succeeded', 'canceled'].sort(),
    );
  });

  for (const from of paymentStatuses) {
    for (const to of legal[from]) {
      it(`allows ${from} → ${to}`, () => {
        expect(canTransition(from, to)).toBe(true);
        expect(() => assertTransition(from, to)).not.toThrow();
      });
    }
  }

  it('refuses every move not in the table (all 49 pairs checked), self-moves included', () => {
    const refused: string[] = [];
    for (const from of paymentStatuses) {
      for (const to of paymentStatuses) {
        if (legal[from].includes(to)) continue;
        refused.push(`${from}->${to}`);
        expect(canTransition(from, to), `${from} -> ${to}`).toBe(false);
        expect(() => assertTransition(from, to)).toThrow(AssertionError);
      }
    }
    expect(refused.length).toBe(49 - Object.values(legal).flat().length);
  });

  const illegal: [PaymentStatus, PaymentStatus, string][] = [
    ['requires_payment_method', 'succeeded', 'paid without ever reaching the provider'],
    ['requires_payment_method', 'requires_capture', 'authorized without a provider call'],
    ['requires_capture', 'succeeded', 'captured without going through processing'],
    ['succeeded', 'canceled', 'a final status reopened'],
    ['canceled', 'succeeded', 'a canceled payment paid'],
    ['canceled', 'requires_payment_method', 'a canceled payment retried'],
    ['succeeded', 'requires_payment_method', 'a paid payment failed afterwards'],
    ['processing', 'requires_confirmation', 'back to a status only creation gives'],
    ['processing', 'processing', 'a self-move'],
  ];
  for (const [from, to, why] of illegal) {
    it(`refuses ${from} → ${to} (${why}) and assertTransition throws naming both`, () => {
      expect(canTransition(from, to)).toBe(false);
      expect(() => assertTransition(from, to)).toThrow(new RegExp(`${from} -> ${to}`));
    });
  }

  it('has no move out of succeeded and canceled, and only they are final', () => {
    for (const status of paymentStatuses) {
      const final = status === 'succeeded' || status === 'canceled';
      expect(isFinal(status), status).toBe(final);
      if (final) expect(paymentStatuses.filter((to) => canTransition(status, to))).toEqual([]);
    }
  });

  it('lets every non-final status reach a final one (no payment stays short of final forever)', () => {
    for (const start of paymentStatuses) {
      const seen = new Set<PaymentStatus>([start]);
      const queue: PaymentStatus[] = [start];
      while (queue.length > 0) {
        const from = queue.shift()!;
        for (const to of paymentStatuses) {
          if (!canTransition(from, to) || seen.has(to)) continue;
          seen.add(to);
          queue.push(to);
        }
      }
      expect(seen.has('succeeded') || seen.has('canceled') || isFinal(start), start).toBe(true);
    }
  });

  it('lets a payer confirm only from requires_payment_method and requires_confirmation', () => {
    expect(paymentStatuses.filter(isConfirmable).sort()).toEqual(['requires_confirmation', 'requires_payment_method']);
  });

  it('refuses to cancel a payment in processing (its outcome is unknown) or a final one', () => {
    expect(isCancelable('processing')).toBe(false);
    expect(isCancelable('succeeded')).toBe(false);
    expect(isCancelable('canceled')).toBe(false);
    for (const status of ['requires_payment_method', 'requires_confirmation', 'requires_action', 'requires_capture'] as const) {
      expect(isCancelable(status), status).toBe(true);
    }
  });

  it('expires as abandoned only statuses where nothing is paid or in flight, each able to move to canceled', () => {
    expect([...abandonableStatuses].sort()).toEqual(['requires_action', 'requires_confirmation', 'requires_payment_method']);
    for (const status of abandonableStatuses) expect(canTransition(status, 'canceled')).toBe(true);
    expect(abandonableStatuses).not.toContain('processing');
    expect(abandonableStatuses).not.toContain('requires_capture');
  });
});
