import { Migration } from '@mikro-orm/migrations';

export class Migration20261130020000_login_guard extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "login_guard" ("username" varchar(60) not null, "failures" int not null, "locked_until" bigint null, "updated_at" bigint not null, constraint "login_guard_pkey" primary key ("username"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "login_guard" cascade;`);
  }

}
