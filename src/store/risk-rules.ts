/** A merchant's risk rules, kept in their order (`position`, then id). */
import { sql, type Selectable } from 'kysely';
import type { Db } from './database.ts';
import { effectCte } from './idempotency.ts';
import type { RiskAction } from './schema.ts';
import type { RiskRulesTable } from './tables/risk.ts';
import type { Scope } from './scope.ts';

export type RiskRuleRow = Selectable<RiskRulesTable>;

export async function listRiskRules(db: Db, scope: Scope): Promise<RiskRuleRow[]> {
  return db
    .selectFrom('risk_rules')
    .selectAll()
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .orderBy('position')
    .orderBy('id')
    .execute();
}

export async function findRiskRule(db: Db, scope: Scope, id: string): Promise<RiskRuleRow | undefined> {
  return db.selectFrom('risk_rules').selectAll().where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).executeTakeFirst();
}

/**
 * Inserts a rule at the end (its position one past the last), unless the
 * merchant already has `rulesMax`: both in one statement, so two creations at
 * once cannot pass the limit by much (the count is read in the statement).
 * Under an Idempotency-Key, the same statement marks the key with the rule.
 */
export async function insertRiskRule(
  db: Db,
  rule: { id: string; merchant_id: string; mode: Scope['mode']; name: string; expression: string; action: RiskAction; enabled: boolean; at: Date },
  rulesMax: number,
): Promise<RiskRuleRow | null> {
  // Under an Idempotency-Key the key is marked with the rule in this statement: a retry after a crash
  // between here and the key's completion is answered with this rule, never a second one.
  const effect = effectCte('risk_rule', sql`created.id`, 'created');
  const result = await sql<RiskRuleRow>`
    with created as (
      insert into risk_rules (id, merchant_id, mode, name, expression, action, position, enabled, created_at, updated_at)
      select ${rule.id}, ${rule.merchant_id}, ${rule.mode}, ${rule.name}, ${rule.expression}, ${rule.action},
             coalesce(max(position) + 1, 0), ${rule.enabled}, ${rule.at}, ${rule.at}
      from risk_rules where merchant_id = ${rule.merchant_id} and mode = ${rule.mode}
      having count(*) < ${rulesMax}
      returning *
    )${effect ? sql`, ${effect}` : sql``}
    select * from created
  `.execute(db);
  return result.rows[0] ?? null;
}

export async function updateRiskRule(
  db: Db,
  scope: Scope,
  id: string,
  change: Partial<{ name: string; expression: string; action: RiskAction; enabled: boolean }>,
  at: Date,
): Promise<RiskRuleRow | undefined> {
  return db
    .updateTable('risk_rules')
    .set({ ...change, updated_at: at })
    .where('id', '=', id)
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteRiskRule(db: Db, scope: Scope, id: string): Promise<RiskRuleRow | undefined> {
  return db.deleteFrom('risk_rules').where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).returningAll().executeTakeFirst();
}

/** Gives the listed rules positions 0, 1, 2… in one statement; answers how many rows moved. */
export async function orderRiskRules(db: Db, scope: Scope, ids: readonly string[], at: Date): Promise<number> {
  const result = await sql`
    update risk_rules r set position = o.position - 1, updated_at = ${at}
    from unnest(${ids}::text[]) with ordinality as o(id, position)
    where r.id = o.id and r.merchant_id = ${scope.merchantId} and r.mode = ${scope.mode}
  `.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
