import { Migration } from '@mikro-orm/migrations';

export class Migration20261130050700_accounts extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "app_user" add column "disabled" boolean not null default false;`);
    this.addSql(`alter table "app_user" add column "password_history" text null;`);
    this.addSql(`alter table "app_user" add column "password_changed_at" bigint null;`);
    this.addSql(`alter table "app_user" add column "must_change_password" boolean not null default false;`);
    this.addSql(`alter table "app_user" add column "totp_secret" text null;`);
    this.addSql(`alter table "app_user" add column "totp_enabled" boolean not null default false;`);
    this.addSql(`alter table "app_user" add column "totp_last_step" integer null;`);
    this.addSql(`alter table "api_key" add column "revoked_at" bigint null;`);
    this.addSql(`alter table "api_key" add column "expires_at" bigint null;`);
  }

}
