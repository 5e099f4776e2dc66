import { Migration } from '@mikro-orm/migrations';

export class Migration20261130020000_sign_in extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "login_guard" ("username" varchar(60) not null, "failures" int not null, "locked_until" bigint null, "updated_at" bigint not null, constraint "login_guard_pkey" primary key ("username"));`);
    this.addSql(`create table "app_session" ("id" varchar(40) not null, "user_id" int not null, "created_at" bigint not null, "last_seen_at" bigint not null, "expires_at" bigint not null, "ended_at" bigint null, constraint "app_session_pkey" primary key ("id"));`);
    this.addSql(`create index "app_session_user_id_index" on "app_session" ("user_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "app_session" cascade;`);
    this.addSql(`drop table if exists "login_guard" cascade;`);
  }

}
