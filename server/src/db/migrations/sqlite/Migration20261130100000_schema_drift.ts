import { Migration } from '@mikro-orm/migrations';

export class Migration20261130100000_schema_drift extends Migration {

  // SQLite cannot drop a column default, so the two tables are rebuilt as the entities declare them:
  // audit_log without the defaults its columns got when they were added to a table with rows (its
  // append-only triggers and indexes are made again), app_user with its flags' defaults written as
  // the generator writes them. The generator then finds nothing to change.
  override async up(): Promise<void> {
    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`app_user__new\` (\`id\` integer not null primary key autoincrement, \`username\` text not null, \`password_hash\` text not null, \`role\` text not null, \`display_name\` text not null, \`department_id\` integer null, \`region_code\` text null, \`created_at\` bigint not null, \`disabled\` integer not null default false, \`password_history\` text null, \`password_changed_at\` bigint null, \`must_change_password\` integer not null default false, \`totp_secret\` text null, \`totp_enabled\` integer not null default false, \`totp_last_step\` integer null);`);
    this.addSql(`insert into \`app_user__new\` select \`id\`, \`username\`, \`password_hash\`, \`role\`, \`display_name\`, \`department_id\`, \`region_code\`, \`created_at\`, \`disabled\`, \`password_history\`, \`password_changed_at\`, \`must_change_password\`, \`totp_secret\`, \`totp_enabled\`, \`totp_last_step\` from \`app_user\`;`);
    this.addSql(`drop table \`app_user\`;`);
    this.addSql(`alter table \`app_user__new\` rename to \`app_user\`;`);
    this.addSql(`create unique index \`app_user_username_unique\` on \`app_user\` (\`username\`);`);

    this.addSql(`create table \`audit_log__new\` (\`id\` integer not null primary key autoincrement, \`at\` bigint not null, \`actor\` text not null, \`role\` text not null, \`ip\` text null, \`action\` text not null, \`subject\` text not null, \`outcome\` text not null, \`detail\` text null, \`request_id\` text null, \`prev_hash\` text not null, \`hash\` text not null);`);
    this.addSql(`insert into \`audit_log__new\` select \`id\`, \`at\`, \`actor\`, \`role\`, \`ip\`, \`action\`, \`subject\`, \`outcome\`, \`detail\`, \`request_id\`, \`prev_hash\`, \`hash\` from \`audit_log\`;`);
    this.addSql(`drop table \`audit_log\`;`);
    this.addSql(`alter table \`audit_log__new\` rename to \`audit_log\`;`);
    this.addSql(`create index \`audit_log_subject_index\` on \`audit_log\` (\`subject\`);`);
    this.addSql(`create index \`audit_log_at_index\` on \`audit_log\` (\`at\`);`);
    this.addSql(`create trigger \`audit_log_no_update\` before update on \`audit_log\` begin select raise(abort, 'audit_log is append-only'); end;`);
    this.addSql(`create trigger \`audit_log_no_delete\` before delete on \`audit_log\` begin select raise(abort, 'audit_log is append-only'); end;`);
    this.addSql(`pragma foreign_keys = on;`);
  }

}
