/**
 * A console owner for a merchant made outside the console (the demo of
 * `npm start`, `paypilot merchant create --owner-email`): a generated
 * password, answered once. The second factor is left to enrol at the first
 * sign-in, which the console then requires before anything else: an
 * authenticator cannot be enrolled for someone from the command line.
 */
import { findMembersByEmail } from '../../store/console/members.ts';
import type { FlowContext } from '../context.ts';
import { createOwner } from './team.ts';

/** 18 random bytes in base64url: 24 characters, 144 bits. */
export function generatePassword(context: FlowContext): string {
  return context.random.bytes(18).toString('base64url');
}

export async function createConsoleOwner(context: FlowContext, merchantId: string, email: string): Promise<{ email: string; password: string; memberId: string }> {
  const password = generatePassword(context);
  const member = await createOwner(context, { merchantId, email, password, name: 'Owner' });
  return { email, password, memberId: member.id };
}

/** Whether the merchant already has a member with this email (the demo reuses its owner across starts). */
export async function hasMember(context: FlowContext, merchantId: string, email: string): Promise<boolean> {
  return (await findMembersByEmail(context.db, email, merchantId)).length > 0;
}
