/**
 * The nightly points job: mature every lot whose delay has passed, then
 * expire, per customer, what is left of the lots past their expiry (the
 * earliest-expiring points are the ones spent first). Every step is its own
 * short transaction, computed from the ledger under the customer's account
 * lock: a run cut short by a crash is simply run again, and expires nothing twice.
 */
import { expireCustomerPoints, findCustomersWithExpiringLots } from '../../store/loyalty.ts';
import { now, type FlowContext } from '../context.ts';
import { matureAllPoints } from './mature-points.ts';

/** Customers per page of the expiry run, and pages per run. */
const customersPerPage = 500;
const pagesMax = 200;

export interface PointsRunSummary {
  lotsMatured: number;
  customersExpired: number;
  pointsExpired: bigint;
}

export async function runPointsExpiry(context: FlowContext): Promise<PointsRunSummary> {
  let lotsMatured = 0;
  for (let page = 0; page < pagesMax; page += 1) {
    const matured = await matureAllPoints(context);
    lotsMatured += matured;
    if (matured === 0) break;
  }
  const at = now(context);
  let customersExpired = 0;
  let pointsExpired = 0n;
  for (let page = 0; page < pagesMax; page += 1) {
    const customers = await findCustomersWithExpiringLots(context.db, at, customersPerPage);
    for (const customer of customers) {
      const expired = await expireCustomerPoints(context.db, customer, context.ids.newId('ltx'), at);
      if (expired > 0n) customersExpired += 1;
      pointsExpired += expired;
    }
    if (customers.length < customersPerPage) break;
  }
  return { lotsMatured, customersExpired, pointsExpired };
}
