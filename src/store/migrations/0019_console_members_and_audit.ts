/**
 * The merchant console's server side: the people who sign in for a merchant
 * (members, with a role, a password hash and a TOTP second factor), their
 * sessions, the single-use links that set a password (reset, invitation),
 * the per-address count of failed sign-ins, the refund limit for support
 * staff, and the audit trail.
 *
 * The audit trail is append-only (the `refuse_change` trigger of 0001, the
 * one that guards payment history) and hash-chained per merchant: each row
 * holds the hash of the row before it, and `audit_chain_heads` holds the
 * last one, so a row altered, removed or cut off the end is found by
 * `paypilot audit verify`. TRUNCATE is left possible on purpose: `restore
 * --force` replaces whole tables that way, and it needs the database owner.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table console_members (
      id text primary key,
      merchant_id text not null references merchants (id),
      email text not null check (length(email) between 3 and 254),
      name text not null default '' check (length(name) <= 200),
      role text not null check (role in ('owner', 'admin', 'developer', 'operator', 'support', 'analyst')),
      -- Null until an invited member sets a password through the emailed link.
      password_hash text,
      totp_secret_sealed bytea,
      totp_pending_sealed bytea,
      totp_enabled_at timestamptz,
      -- The last TOTP time step accepted: a code is taken once, never replayed.
      totp_last_step bigint,
      locale text not null default 'en' check (locale in ('en', 'zh-CN', 'zh-TW')),
      failed_sign_ins integer not null default 0 check (failed_sign_ins >= 0),
      locked_until timestamptz,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      removed_at timestamptz
    );
    create unique index console_members_email_per_merchant on console_members (merchant_id, lower(email)) where removed_at is null;
    create index console_members_by_email on console_members (lower(email)) where removed_at is null;

    create table console_recovery_codes (
      member_id text not null references console_members (id),
      code_hash bytea not null,
      created_at timestamptz not null,
      used_at timestamptz,
      primary key (member_id, code_hash)
    );

    create table console_sessions (
      id text primary key,
      token_hash bytea not null unique,
      member_id text not null references console_members (id),
      merchant_id text not null references merchants (id),
      csrf_token text not null,
      address text,
      created_at timestamptz not null,
      last_seen_at timestamptz not null,
      ended_at timestamptz
    );
    create index console_sessions_open_by_member on console_sessions (member_id) where ended_at is null;

    create table console_tokens (
      token_hash bytea primary key,
      member_id text not null references console_members (id),
      purpose text not null check (purpose in ('password_reset', 'invitation')),
      created_at timestamptz not null,
      expires_at timestamptz not null,
      used_at timestamptz
    );
    create index console_tokens_by_member on console_tokens (member_id);

    create table console_sign_in_addresses (
      address text primary key,
      window_started_at timestamptz not null,
      failures integer not null check (failures >= 0)
    );

    create table console_refund_limits (
      merchant_id text not null references merchants (id),
      currency text not null check (currency ~ '^[A-Z]{3}$'),
      amount_max bigint not null check (amount_max >= 0),
      updated_at timestamptz not null,
      primary key (merchant_id, currency)
    );

    create table audit_chain_heads (
      merchant_id text primary key references merchants (id),
      -- 0 with the zero hash until the merchant's first row.
      seq bigint not null check (seq >= 0),
      hash bytea not null
    );

    create table audit_log (
      merchant_id text not null references merchants (id),
      seq bigint not null check (seq >= 1),
      id text not null unique,
      occurred_at timestamptz not null,
      actor_type text not null check (actor_type in ('member', 'api_key', 'system', 'anonymous')),
      actor_id text,
      actor_label text,
      action text not null check (length(action) between 1 and 100),
      object_type text,
      object_id text,
      address text,
      request_id text,
      before jsonb,
      after jsonb,
      prev_hash bytea not null,
      hash bytea not null,
      primary key (merchant_id, seq)
    );
    create index audit_log_by_time on audit_log (merchant_id, occurred_at desc, seq desc);
    create trigger audit_log_immutable before update or delete on audit_log
      for each row execute function refuse_change();
    -- A head moves forward with each row, but is never removed: without it, verify would not know a chain was there.
    create trigger audit_chain_heads_kept before delete on audit_chain_heads
      for each row execute function refuse_change();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table if exists audit_log, audit_chain_heads, console_refund_limits, console_sign_in_addresses, console_tokens,
      console_sessions, console_recovery_codes, console_members cascade;
  `.execute(db);
}
