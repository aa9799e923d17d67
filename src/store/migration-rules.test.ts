import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { destructiveSteps, firstRuledMigration } from './migration-rules.ts';
import { migrationNames } from './migrate.ts';

const directory = path.join(import.meta.dirname, 'migrations');

describe('migration rules (docs/migrations.md)', () => {
  it('no migration since the rules were written takes away what the serving version uses, unless marked @contract', () => {
    const ruled = readdirSync(directory).filter((file) => file.endsWith('.ts') && file.slice(0, 4) >= firstRuledMigration);
    expect(ruled.length).toBeGreaterThan(0);
    const offenders = ruled
      .map((file) => ({ file, steps: destructiveSteps(readFileSync(path.join(directory, file), 'utf8')) }))
      .filter((each) => each.steps.length > 0);
    expect(offenders, 'additive first: add the new, move the code, then drop the old in a later migration marked @contract').toEqual([]);
  });

  it('every migration file is registered, in order', () => {
    const files = readdirSync(directory).filter((file) => file.endsWith('.ts')).map((file) => file.replace(/\.ts$/, '')).sort();
    expect(migrationNames).toEqual(files);
  });

  it('finds each destructive step in up, ignores down, and accepts one marked as a contract step', () => {
    const migration = (up: string, extra = '') => `${extra}\nexport async function up(db) {\n  await sql\`${up}\`.execute(db);\n}\nexport async function down(db) {\n  await sql\`drop table things\`.execute(db);\n}\n`;
    expect(destructiveSteps(migration('create table things (id text primary key)'))).toEqual([]);
    expect(destructiveSteps(migration('alter table things add column note text'))).toEqual([]);
    expect(destructiveSteps(migration('alter table things alter column note drop not null'))).toEqual([]);
    expect(destructiveSteps(migration('alter table things drop constraint things_note_check'))).toEqual([]);
    expect(destructiveSteps(migration('alter table things drop column note'))).toEqual(['drop column']);
    expect(destructiveSteps(migration('alter table things drop note'))).toEqual(['drop column']);
    expect(destructiveSteps(migration('alter table things rename column note to remark'))).toEqual(['rename']);
    expect(destructiveSteps(migration('alter table things rename to stuff'))).toEqual(['rename']);
    expect(destructiveSteps(migration('alter table things alter column amount type bigint'))).toEqual(['column type change']);
    expect(destructiveSteps(migration('alter table things alter column note set not null'))).toEqual(['set not null']);
    expect(destructiveSteps(migration('drop table old_things'))).toEqual(['drop table']);
    expect(destructiveSteps(migration('alter table things drop column note', '// @contract: expanded in 0051; no version since 2.3 reads note'))).toEqual([]);
  });
});
