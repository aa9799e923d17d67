/**
 * Points whose delay has passed become spendable: one transaction per lot
 * (pending → available), each safe to repeat. Run for one customer before a
 * read or a redemption, and for everyone by the worker.
 */
import { findLotsToMature, matureLot } from '../../store/loyalty.ts';
import { now, type FlowContext } from '../context.ts';

/** Lots matured per run of the worker, and for one customer at once. */
export const lotsPerRunMax = 1_000;

export async function matureCustomerPoints(context: FlowContext, customerId: string): Promise<number> {
  return matureDue(context, customerId);
}

export async function matureAllPoints(context: FlowContext): Promise<number> {
  return matureDue(context, undefined);
}

async function matureDue(context: FlowContext, customerId: string | undefined): Promise<number> {
  const at = now(context);
  const lots = await findLotsToMature(context.db, at, lotsPerRunMax, customerId);
  for (const lot of lots) await matureLot(context.db, lot, context.ids.newId('ltx'), at);
  return lots.length;
}
