import { describe, expect, it } from 'vitest';
import { consolePermissions, mayAssignRole, mayRemoveMember, permissionsOf, roleAllows } from './permissions.ts';
import { consoleRoles, requiresSecondFactor } from './roles.ts';

describe('the console permission table', () => {
  it('gives the owner everything and the admin everything but ownership', () => {
    expect(permissionsOf('owner')).toEqual([...consolePermissions]);
    expect(permissionsOf('admin')).toEqual(consolePermissions.filter((p) => p !== 'team.ownership'));
  });
  it('keeps refunds from developers and analysts, and unlimited refunds from support', () => {
    for (const role of ['developer', 'analyst'] as const) expect(roleAllows(role, 'payments.refund')).toBe(false);
    expect(roleAllows('support', 'payments.refund')).toBe(true);
    expect(roleAllows('support', 'payments.refund_unlimited')).toBe(false);
    expect(roleAllows('operator', 'payments.refund_unlimited')).toBe(true);
  });
  it('lets analysts read analytics and change nothing', () => {
    expect(permissionsOf('analyst')).toEqual(['session', 'analytics.read', 'loyalty.read']);
  });
  it('gives every role its own session', () => {
    for (const role of consoleRoles) expect(roleAllows(role, 'session')).toBe(true);
  });
  it('leaves ownership, given or taken, to owners', () => {
    expect(mayAssignRole('admin', 'analyst', 'operator')).toBe(true);
    expect(mayAssignRole('admin', 'analyst', 'owner')).toBe(false);
    expect(mayAssignRole('admin', 'owner', 'admin')).toBe(false);
    expect(mayAssignRole('admin', null, 'owner')).toBe(false);
    expect(mayAssignRole('owner', 'owner', 'admin')).toBe(true);
    expect(mayAssignRole('operator', 'analyst', 'support')).toBe(false);
    expect(mayRemoveMember('admin', 'owner')).toBe(false);
    expect(mayRemoveMember('admin', 'developer')).toBe(true);
    expect(mayRemoveMember('owner', 'owner')).toBe(true);
    expect(mayRemoveMember('support', 'analyst')).toBe(false);
  });
  it('requires a second factor of owners and admins only', () => {
    expect(consoleRoles.filter(requiresSecondFactor)).toEqual(['owner', 'admin']);
  });
});
