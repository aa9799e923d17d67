/**
 * Issue 14: the payment path's single-column CHECK constraints become
 * domains, and 0057's four-argument idempotency fence goes.
 *
 * - **Why domains.** PostgreSQL reads a table's CHECK constraints back from
 *   their stored trees, plans and compiles them again for every statement
 *   that writes the table (`ExecRelCheck`), and an UPDATE checks them all,
 *   whatever columns it sets. A payment wrote about 49,000 characters of
 *   stored constraint trees that way: `payments` (thirteen checks) three
 *   times, `payment_attempts` twice, `idempotency_keys` four times,
 *   `funnel_events` twice and `payment_events` three times. A domain's
 *   constraints are read and planned once per connection (the type cache),
 *   and checked only for the columns a statement assigns. Measured with
 *   pgbench -M prepared, one client, one row: a status update of `payments`
 *   0.34 → 0.27 ms (bench/README.md). What a column accepts is unchanged.
 * - **What stays a table constraint**: what compares two columns. The
 *   amounts' `>= 0` moves into their domain, and `amount_received <= amount`,
 *   `amount_capturable <= amount` stay under names that say so (they were
 *   `payments_check1` and `payments_check`); the coupon's wholeness and an
 *   idempotency key's effect stay as they were. So do an attempt's status
 *   and operation: partial indexes name them in their conditions, and
 *   retyping such a column builds the index again, under the lock. About
 *   13,000 characters per payment are left.
 * - **Catalog changes only, no scan.** A column retyped to a domain with
 *   constraints is rewritten, so the domains are made without, the columns
 *   retyped (binary coercible: the table and its indexes keep their files),
 *   and the constraints added after, `not valid`. They are not validated: the
 *   table check each replaces held for every row until this transaction
 *   dropped it, so a scan would prove again what is proven, and would run
 *   under the exclusive lock the retyping took (`alter domain … validate`
 *   locks out writes too). New values are checked as before. The same goes
 *   for the table checks that read a retyped column (the coupon's wholeness,
 *   an idempotency key's effect, the amounts): PostgreSQL would make each
 *   again after the type change and scan the table for it, so each is
 *   dropped with the change and added again `not valid`. Measured on 3
 *   million rows: retyping a column 1.5 ms; one re-made check's scan 650 ms.
 * - **What depends on the retyped columns** and cannot stay while they change
 *   type: the view `analytics_payment_facts_live`, dropped and made again
 *   from its own definition as the server prints it back.
 * - **0057's `idempotency_key_fence(api_key_id, key, locked_at, locked_by)`**:
 *   the previous release (0063's) calls the five-argument one that names the
 *   merchant; no code calls this one any more.
 *
 * Locks: each table is locked for its catalog changes only, milliseconds;
 * `lock_timeout` makes a deploy wait and fail rather than stall payments.
 * Down validates what it restores: a scan of each table, under the lock.
 *
 * @contract: the previous release sends and reads the same values (a domain is sent to clients as its base type);
 * it never calls the four-argument fence.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

/** Domain, base type, its constraint's name and condition. */
const domains: [name: string, base: string, constraint: string, check: string][] = [
  [
    'payment_status',
    'text',
    'payment_status_known',
    "value = any ('{requires_payment_method,requires_confirmation,requires_action,processing,requires_capture,succeeded,canceled}'::text[])",
  ],
  ['payment_mode', 'text', 'payment_mode_known', "value = any ('{test,live}'::text[])"],
  ['payment_purpose', 'text', 'payment_purpose_known', "value = any ('{payment,wallet_top_up}'::text[])"],
  ['payment_capture_method', 'text', 'payment_capture_method_known', "value = any ('{automatic,manual}'::text[])"],
  ['currency_code', 'text', 'currency_code_iso_4217', "value ~ '^[A-Z]{3}$'"],
  ['payment_amount', 'bigint', 'payment_amount_in_range', 'value between 1 and 1000000000000'],
  ['minor_units_not_negative', 'bigint', 'minor_units_not_negative', 'value >= 0'],
  ['minor_units_positive', 'bigint', 'minor_units_positive', 'value > 0'],
  ['payment_event_actor', 'text', 'payment_event_actor_known', "value = any ('{payer,merchant,provider,system}'::text[])"],
  [
    'funnel_step',
    'text',
    'funnel_step_known',
    "value = any ('{checkout_viewed,method_chosen,confirm_submitted,action_required,succeeded,attempt_failed,canceled,abandoned}'::text[])",
  ],
  ['device_class', 'text', 'device_class_known', "value = any ('{mobile,desktop}'::text[])"],
  ['idempotency_key_status', 'text', 'idempotency_key_status_known', "value = any ('{in_progress,complete}'::text[])"],
  [
    'idempotency_effect_object_type',
    'text',
    'idempotency_effect_object_type_known',
    "value = any ('{api_key,blocklist_entry,coupon,experiment,payment,refund,risk_rule}'::text[])",
  ],
];

/**
 * Table, column, its domain, and the table constraint the domain replaces (as the server printed it back before); null
 * for the two amounts whose `>= 0` was half of a two-column check (`tableChecks` below).
 */
const columns: [table: string, column: string, domain: string, constraint: string | null, check: string | null][] = [
  [
    'payments',
    'status',
    'payment_status',
    'payments_status_check',
    "status = ANY (ARRAY['requires_payment_method'::text, 'requires_confirmation'::text, 'requires_action'::text, 'processing'::text, 'requires_capture'::text, 'succeeded'::text, 'canceled'::text])",
  ],
  ['payments', 'mode', 'payment_mode', 'payments_mode_check', "mode = ANY (ARRAY['test'::text, 'live'::text])"],
  ['payments', 'purpose', 'payment_purpose', 'payments_purpose_check', "purpose = ANY (ARRAY['payment'::text, 'wallet_top_up'::text])"],
  ['payments', 'capture_method', 'payment_capture_method', 'payments_capture_method_check', "capture_method = ANY (ARRAY['automatic'::text, 'manual'::text])"],
  ['payments', 'currency', 'currency_code', 'payments_currency_check', "currency ~ '^[A-Z]{3}$'::text"],
  ['payments', 'amount', 'payment_amount', 'payments_amount_check', "amount >= 1 AND amount <= '1000000000000'::bigint"],
  ['payments', 'amount_discount', 'minor_units_not_negative', 'payments_amount_discount_check', 'amount_discount >= 0'],
  ['payments', 'points_redeemed', 'minor_units_not_negative', 'payments_points_redeemed_check', 'points_redeemed >= 0'],
  ['payments', 'points_value', 'minor_units_not_negative', 'payments_points_value_check', 'points_value >= 0'],
  ['payments', 'points_earned', 'minor_units_not_negative', 'payments_points_earned_check', 'points_earned >= 0'],
  ['payments', 'amount_capturable', 'minor_units_not_negative', null, null],
  ['payments', 'amount_received', 'minor_units_not_negative', null, null],
  ['payment_attempts', 'amount', 'minor_units_positive', 'payment_attempts_amount_check', 'amount > 0'],
  ['payment_events', 'actor', 'payment_event_actor', 'payment_events_actor_check', "actor = ANY (ARRAY['payer'::text, 'merchant'::text, 'provider'::text, 'system'::text])"],
  [
    'funnel_events',
    'type',
    'funnel_step',
    'funnel_events_type_check',
    "type = ANY (ARRAY['checkout_viewed'::text, 'method_chosen'::text, 'confirm_submitted'::text, 'action_required'::text, 'succeeded'::text, 'attempt_failed'::text, 'canceled'::text, 'abandoned'::text])",
  ],
  ['funnel_events', 'device_class', 'device_class', 'funnel_events_device_class_check', "device_class = ANY (ARRAY['mobile'::text, 'desktop'::text])"],
  ['idempotency_keys', 'status', 'idempotency_key_status', 'idempotency_keys_status_check', "status = ANY (ARRAY['in_progress'::text, 'complete'::text])"],
  [
    'idempotency_keys',
    'effect_object_type',
    'idempotency_effect_object_type',
    'idempotency_keys_effect_object_type_check',
    "effect_object_type = ANY ('{api_key,blocklist_entry,coupon,experiment,payment,refund,risk_rule}'::text[])",
  ],
];

/**
 * The table checks that compare two columns, one of them retyped: PostgreSQL would make each again after the type
 * change and check every row meanwhile, so each is dropped with the change and added again without that scan (see
 * above). The amounts' `>= 0` halves move into their domain, and what compares two columns takes a name that says
 * what it holds. Table, name before, name after, condition after, condition before.
 */
const tableChecks: [table: string, before: string, after: string, check: string, checkBefore: string][] = [
  ['payments', 'payments_check', 'payments_capturable_within_amount', 'amount_capturable <= amount', 'amount_capturable >= 0 AND amount_capturable <= amount'],
  ['payments', 'payments_check1', 'payments_received_within_amount', 'amount_received <= amount', 'amount_received >= 0 AND amount_received <= amount'],
  [
    'payments',
    'payments_coupon_whole',
    'payments_coupon_whole',
    '(coupon_id IS NULL) = (coupon_code IS NULL) AND (coupon_id IS NOT NULL OR amount_discount = 0)',
    '(coupon_id IS NULL) = (coupon_code IS NULL) AND (coupon_id IS NOT NULL OR amount_discount = 0)',
  ],
  [
    'idempotency_keys',
    'idempotency_keys_effect_whole',
    'idempotency_keys_effect_whole',
    '(effect_object_type IS NULL) = (effect_object_id IS NULL)',
    '(effect_object_type IS NULL) = (effect_object_id IS NULL)',
  ],
];
const tables = [...new Set(columns.map(([table]) => table))];

/**
 * Drops the view that reads the retyped columns, runs `change`, and makes it again from its definition as the server
 * printed it back before (its columns take the new types with it).
 */
function aroundDependents(change: string): string {
  return `
    do $retype$
    declare
      view_definition text := pg_get_viewdef('analytics_payment_facts_live'::regclass);
    begin
      drop view analytics_payment_facts_live;
      ${change}
      execute 'create view analytics_payment_facts_live as ' || view_definition;
    end
    $retype$;`;
}

/** One `alter table` per table: every column of it retyped (`to` gives a column's new type), every check of it dropped. */
function retypeStatements(to: (domain: string) => string, dropped: (table: string) => string[]): string {
  return tables
    .map((table) => {
      const changes = [
        ...dropped(table).map((name) => `drop constraint ${name}`),
        ...columns.filter(([t]) => t === table).map(([, column, domain]) => `alter column ${column} type ${to(domain)}`),
      ];
      return `alter table ${table} ${changes.join(', ')};`;
    })
    .join('\n');
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`set local lock_timeout = '10s'`.execute(db);
  await sql`drop function if exists idempotency_key_fence(text, text, timestamptz, text)`.execute(db);
  for (const [name, base] of domains) await sql.raw(`create domain ${name} as ${base}`).execute(db);
  const dropped = (table: string) => [
    ...columns.flatMap(([t, , , constraint]) => (t === table && constraint !== null ? [constraint] : [])),
    ...tableChecks.filter(([t]) => t === table).map(([, before]) => before),
  ];
  await sql.raw(aroundDependents(retypeStatements((domain) => domain, dropped))).execute(db);
  // Not validated: the table checks they replace held for every row until this transaction dropped them (see above).
  for (const [name, , constraint, check] of domains) {
    await sql.raw(`alter domain ${name} add constraint ${constraint} check (${check}) not valid`).execute(db);
  }
  for (const [table, , after, check] of tableChecks) {
    await sql.raw(`alter table ${table} add constraint ${after} check (${check}) not valid`).execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`set local lock_timeout = '10s'`.execute(db);
  const base = (domain: string) => domains.find(([name]) => name === domain)![1];
  const dropped = (table: string) => tableChecks.filter(([t]) => t === table).map(([, , after]) => after);
  await sql.raw(aroundDependents(retypeStatements(base, dropped))).execute(db);
  // As 0063 left them: validated (a scan of each table, which a rollback may take).
  const restored: [table: string, name: string, check: string][] = [
    ...columns.flatMap(([table, , , constraint, check]): [string, string, string][] => (constraint !== null && check !== null ? [[table, constraint, check]] : [])),
    ...tableChecks.map(([table, before, , , checkBefore]): [string, string, string] => [table, before, checkBefore]),
  ];
  for (const [table, name, check] of restored) {
    await sql.raw(`alter table ${table} add constraint ${name} check (${check}) not valid`).execute(db);
    await sql.raw(`alter table ${table} validate constraint ${name}`).execute(db);
  }
  for (const [name] of domains) await sql.raw(`drop domain ${name}`).execute(db);
  // 0057's fence as 0057 made it (a migration stays whole: it imports no other).
  await sql`
    create function idempotency_key_fence(p_api_key_id text, p_key text, p_locked_at timestamptz, p_locked_by text)
      returns boolean
      language plpgsql volatile
    as $fence$
    begin
      perform 1 from idempotency_keys
        where api_key_id = p_api_key_id and key = p_key and locked_at = p_locked_at and locked_by = p_locked_by
        for no key update;
      if not found then
        raise exception 'idempotency key % taken over by another request', p_key using errcode = 'PPI01';
      end if;
      return true;
    end
    $fence$;
  `.execute(db);
}
