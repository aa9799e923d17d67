/**
 * The written migration rules (docs/migrations.md), the part a machine can
 * check cheaply: a migration from `firstRuledMigration` on may not take away
 * what the version still serving reads or writes — drop or rename a table or
 * column, change a column's type, make a column required — unless it says it
 * is the contract step of an expand/contract change with a `@contract` marker
 * naming why the previous version no longer needs it.
 *
 * Only the `up` function is read: `down` undoes, and undoing drops.
 */

/**
 * Migrations before this one (0001–0034, among them 0002_drop_status_index) were on main before the rules and are
 * frozen as they are; every number from here on was handed out after them, whatever order they are merged in.
 */
export const firstRuledMigration = '0035';

const destructive: { name: string; pattern: RegExp }[] = [
  { name: 'drop table', pattern: /\bdrop\s+table\b/i },
  { name: 'drop column', pattern: /\bdrop\s+column\b/i },
  // `alter table x drop y` (COLUMN is optional in PostgreSQL), but not `drop constraint` / `drop default` / `drop not null`.
  { name: 'drop column', pattern: /\balter\s+table\b[^;]*?\bdrop\s+(?!column\b|constraint\b|default\b|not\s+null\b|index\b|if\s+exists\s+(?:constraint)\b)\w+/i },
  { name: 'rename', pattern: /\brename\b/i },
  { name: 'column type change', pattern: /\balter\s+column\s+\w+\s+(set\s+data\s+)?type\b/i },
  { name: 'set not null', pattern: /\bset\s+not\s+null\b/i },
  { name: 'truncate', pattern: /\btruncate\b/i },
];

/** The `up` function's text (everything before `down`), or the whole file when it has none. */
function upPart(source: string): string {
  const start = source.search(/export\s+async\s+function\s+up\b/);
  const end = source.search(/export\s+async\s+function\s+down\b/);
  return source.slice(Math.max(0, start), end > start ? end : undefined);
}

/** What a migration's `up` does that would break the version still serving, unless marked `@contract`. */
export function destructiveSteps(source: string): string[] {
  if (/@contract\b\S*\s+\S+/.test(source)) return [];
  const up = upPart(source);
  return [...new Set(destructive.filter((rule) => rule.pattern.test(up)).map((rule) => rule.name))];
}
