import { Migration } from '@mikro-orm/migrations';

export class Migration20261130030000_audit extends Migration {

  override async up(): Promise<void> {
    // Rows written before the chain keep an empty hash and stand outside it (audit:verify says how many).
    this.addSql(`alter table "audit_log" add column "role" varchar(16) not null default '', add column "ip" varchar(64) null, add column "outcome" varchar(16) not null default 'ok', add column "request_id" varchar(40) null, add column "prev_hash" varchar(64) not null default '', add column "hash" varchar(64) not null default '';`);
    this.addSql(`create index "audit_log_at_index" on "audit_log" ("at");`);
    this.addSql(`create table "audit_head" ("id" int not null, "last_id" int not null, "last_hash" varchar(64) not null, constraint "audit_head_pkey" primary key ("id"));`);
    this.addSql(`create or replace function audit_log_append_only() returns trigger language plpgsql as $$ begin raise exception 'audit_log is append-only'; end $$;`);
    this.addSql(`create trigger audit_log_no_change before update or delete on "audit_log" for each row execute function audit_log_append_only();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists audit_log_no_change on "audit_log";`);
    this.addSql(`drop function if exists audit_log_append_only();`);
    this.addSql(`drop table if exists "audit_head" cascade;`);
  }

}
