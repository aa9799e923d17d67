/** The console's roles, and which of them must sign in with a second factor. */
export const consoleRoles = ['owner', 'admin', 'developer', 'operator', 'support', 'analyst'] as const;
export type ConsoleRole = (typeof consoleRoles)[number];

export function isConsoleRole(value: string): value is ConsoleRole {
  return (consoleRoles as readonly string[]).includes(value);
}

/** Owners and admins can change everything, so a stolen password alone must not be enough. */
export function requiresSecondFactor(role: ConsoleRole): boolean {
  return role === 'owner' || role === 'admin';
}
