/**
 * What each console role may do, as one pure table: a role maps to a set of
 * permissions, each console endpoint names the one permission it needs (in
 * its route config), and one hook checks it. The browser hiding a button is
 * never the check.
 *
 * - owner: everything, ownership included (making, demoting or removing owners).
 * - admin: everything but ownership.
 * - developer: API keys, webhooks, connector accounts, request logs; payments
 *   read-only (to debug an integration), never a refund.
 * - operator: payments (read, refund, capture, cancel), customers read,
 *   after-sales, alerts, coupons (read, create, disable), payers' support requests.
 * - support: payments and customers read, resend emails, refunds up to the
 *   per-currency limit the owner sets (`payments.refund` without `payments.refund_unlimited`),
 *   payers' support requests (answer, resolve, reopen).
 * - analyst: analytics, cancellations, segments, feedback; read-only (coupons too, through analytics.read).
 * - coupons: created and disabled by owners, admins and operators; read by them and by analysts.
 * - loyalty programme: changed by owners and admins; its terms and points analytics read by operators and analysts too.
 * - checkout experiments: created, started and stopped (which may change the checkout setting) by owners and admins; read by operators and analysts too (analysts through analytics.read).
 * - risk (src/domain/risk): rules written, ordered, switched and back-tested by owners, admins and developers
 *   (`risk_rules.manage`); fraud handled — the review queue (approve captures, reject cancels), fraud marks and the
 *   blocklist — by owners, admins and operators (`fraud.manage`); rules, reviews, the blocklist and the risk figures read
 *   by all of them (`risk.read`), and by analysts through analytics.read (never the blocklist, which holds emails and phones).
 */
import type { ConsoleRole } from './roles.ts';

export const consolePermissions = [
  // Everyone signed in: their own session, second factor and language.
  'session',
  'team.read',
  'team.manage',
  'team.ownership',
  'audit.read',
  'settings.read',
  'settings.manage',
  'payments.read',
  // Refunds up to the support limit; with `payments.refund_unlimited`, any amount the payment allows.
  'payments.refund',
  'payments.refund_unlimited',
  'payments.capture',
  'payments.cancel',
  'customers.read',
  'messages.resend',
  'after_sales.manage',
  // Payers' support requests (src/domain/support): the queue, answering, resolving and reopening.
  'support_requests.manage',
  'alerts.read',
  'alerts.manage',
  'analytics.read',
  'keys.manage',
  'webhooks.manage',
  'connector_accounts.read',
  'connector_accounts.manage',
  'logs.read',
  // Coupons (src/domain/coupons): reading them and their redemptions; creating and disabling them.
  'coupons.read',
  'coupons.manage',
  // The loyalty points programme (src/domain/loyalty): reading its terms and points analytics; changing its terms.
  'loyalty.read',
  'loyalty.manage',
  // Checkout experiments (src/domain/experiments): reading them and their results; creating, starting and stopping them.
  'experiments.read',
  'experiments.manage',
  // Risk (src/domain/risk): reading rules, reviews, the blocklist and risk figures; writing rules; handling fraud (reviews, fraud marks, the blocklist).
  'risk.read',
  'risk_rules.manage',
  'fraud.manage',
] as const;

export type ConsolePermission = (typeof consolePermissions)[number];

const everything = new Set<ConsolePermission>(consolePermissions);
const allButOwnership = new Set<ConsolePermission>(consolePermissions.filter((p) => p !== 'team.ownership'));

const grants: Record<ConsoleRole, ReadonlySet<ConsolePermission>> = {
  owner: everything,
  admin: allButOwnership,
  developer: new Set<ConsolePermission>(['session', 'payments.read', 'keys.manage', 'webhooks.manage', 'connector_accounts.read', 'connector_accounts.manage', 'logs.read', 'risk.read', 'risk_rules.manage']),
  operator: new Set<ConsolePermission>([
    'session',
    'payments.read',
    'payments.refund',
    'payments.refund_unlimited',
    'payments.capture',
    'payments.cancel',
    'customers.read',
    'after_sales.manage',
    'support_requests.manage',
    'alerts.read',
    'alerts.manage',
    'coupons.read',
    'coupons.manage',
    'loyalty.read',
    'experiments.read',
    'risk.read',
    'fraud.manage',
  ]),
  support: new Set<ConsolePermission>(['session', 'payments.read', 'payments.refund', 'customers.read', 'messages.resend', 'support_requests.manage']),
  analyst: new Set<ConsolePermission>(['session', 'analytics.read', 'loyalty.read']),
};

export function roleAllows(role: ConsoleRole, permission: ConsolePermission): boolean {
  return grants[role].has(permission);
}

export function permissionsOf(role: ConsoleRole): ConsolePermission[] {
  return consolePermissions.filter((p) => grants[role].has(p));
}

/**
 * Whether `actorRole` may give `newRole` to a member who now has
 * `currentRole` (null for an invitation): ownership, given or taken, needs
 * `team.ownership`; everything else `team.manage`.
 */
export function mayAssignRole(actorRole: ConsoleRole, currentRole: ConsoleRole | null, newRole: ConsoleRole): boolean {
  if (!roleAllows(actorRole, 'team.manage')) return false;
  const touchesOwnership = currentRole === 'owner' || newRole === 'owner';
  return !touchesOwnership || roleAllows(actorRole, 'team.ownership');
}

/** Whether `actorRole` may remove a member who has `targetRole`. */
export function mayRemoveMember(actorRole: ConsoleRole, targetRole: ConsoleRole): boolean {
  if (!roleAllows(actorRole, 'team.manage')) return false;
  return targetRole !== 'owner' || roleAllows(actorRole, 'team.ownership');
}

/**
 * A session of a member whose role requires a second factor and who has none
 * yet reaches only these: the session itself, enrolment, and signing out.
 */
export const permissionsBeforeEnrolment: ReadonlySet<ConsolePermission> = new Set(['session']);
