/**
 * What PostgreSQL is asked to do per payment (issue 14): the payment's own
 * statements are prepared once per connection and kept on a generic plan,
 * while every other statement (a merchant's rows, a range) is planned with
 * its values each time; and the analytics notes of an update (migration
 * 0030) are written exactly when the update matters to the rollups.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { findPaymentById, listPayments } from '../../src/store/payments.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let single: DatabaseHandle;
beforeAll(async () => {
  stack = await startStack({ instantRetries: true });
  // One connection: what it prepared is what pg_prepared_statements shows to it.
  single = openDatabase(inject('databaseUrl'), { poolSize: 1 });
});
afterAll(async () => {
  await single?.close();
  await stack?.close();
});

interface Prepared {
  statement: string;
  generic_plans: number;
  custom_plans: number;
}

async function preparedOnTheConnection(): Promise<Prepared[]> {
  const result = await sql<Prepared>`select statement, generic_plans::int, custom_plans::int from pg_prepared_statements`.execute(single.db);
  return result.rows;
}

describe('plans', () => {
  it("keeps a generic plan for reading a payment by id, and plans a merchant's list with its values every time", async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 1_000, currency: 'USD' });
    expect(created.status).toBe(200);
    const scope = { merchantId: stack.merchant.merchantId, mode: 'test' as const };
    for (let i = 0; i < 8; i += 1) {
      expect((await findPaymentById(single.db, scope.merchantId, created.body.id))?.id).toBe(created.body.id);
      expect((await listPayments(single.db, scope, { limit: 5 })).data.length).toBeGreaterThan(0);
    }
    const prepared = await preparedOnTheConnection();
    const byId = prepared.filter((row) => row.statement.includes('from "payments" where "payments"."id" = $1'));
    expect(byId).toHaveLength(1);
    // PostgreSQL plans with the values five times, then keeps the generic plan.
    expect(byId[0]!.generic_plans).toBeGreaterThanOrEqual(1);
    expect(byId[0]!.custom_plans).toBeLessThanOrEqual(5);
    // The list names a merchant (one may have a million payments, another ten): never prepared, so never planned generically.
    // The by-id read names none: with the merchant in it, its generic plan cost PostgreSQL 1 ms more per payment (store/payments.ts).
    expect(prepared.filter((row) => row.statement.includes('"payments"."merchant_id" = $'))).toHaveLength(0);
  });
});

describe('analytics notes of an update', () => {
  /** Carries the count out of the transaction, which it rolls back. */
  class NotesCounted extends Error {
    readonly added: number;
    constructor(added: number) {
      super('counted');
      this.added = added;
    }
  }

  /**
   * Notes the statement adds for this payment. Counted inside one snapshot, so a fold running meanwhile
   * changes nothing, and rolled back: the rows the test moved by hand are put back.
   */
  async function notesAddedBy(paymentId: string, change: string): Promise<number> {
    try {
      await stack.db.db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
        const count = async () =>
          (await sql<{ n: number }>`select count(*)::int as n from analytics_changes where payment_id = ${paymentId}`.execute(trx)).rows[0]!.n;
        const before = await count();
        await sql.raw(change).execute(trx);
        throw new NotesCounted((await count()) - before);
      });
    } catch (error) {
      if (error instanceof NotesCounted) return error.added;
      throw error;
    }
    throw new Error('the transaction ended without counting');
  }

  it('notes a payment whose outcome or amount changes, and not one whose other columns change', async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 2_000, currency: 'USD' });
    const id = created.body.id as string;
    expect(await notesAddedBy(id, `update payments set updated_at = now(), version = version + 1 where id = '${id}'`)).toBe(0);
    expect(await notesAddedBy(id, `update payments set status = 'requires_confirmation' where id = '${id}'`)).toBe(0);
    expect(
      await notesAddedBy(id, `update payments set status = 'canceled', cancellation_reason = 'abandoned', canceled_at = now() where id = '${id}'`),
    ).toBe(1);
    expect(await notesAddedBy(id, `update payments set currency = 'CNY' where id = '${id}'`)).toBe(1);
  });

  it('notes an attempt that enters or leaves the counts, and not one that only tries again', async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 3_000, currency: 'USD' });
    const id = created.body.id as string;
    const confirmed = await stack.api('POST', `/v1/payments/${id}/confirm`, { payment_method: card('4242424242424242') });
    expect(confirmed.body.status).toBe('succeeded');
    const attempt = (await sql<{ id: string }>`select id from payment_attempts where payment_id = ${id}`.execute(stack.db.db)).rows[0]!.id;
    expect(await notesAddedBy(id, `update payment_attempts set tries = tries + 1 where id = '${attempt}'`)).toBe(0);
    expect(await notesAddedBy(id, `update payment_attempts set latency_ms = coalesce(latency_ms, 0) + 1 where id = '${attempt}'`)).toBe(1);
    expect(await notesAddedBy(id, `update payment_attempts set status = 'unknown' where id = '${attempt}'`)).toBe(1);
  });
});
