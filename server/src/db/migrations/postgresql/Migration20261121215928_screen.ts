import { Migration } from '@mikro-orm/migrations';

export class Migration20261121215928_screen extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "screen_token" ("id" serial primary key, "jti" varchar(40) not null, "kind" varchar(10) not null, "label" varchar(100) not null, "region_code" varchar(12) null, "department_id" int null, "issued_by" varchar(100) not null, "created_at" bigint not null, "revoked_at" bigint null);`);
    this.addSql(`alter table "screen_token" add constraint "screen_token_jti_unique" unique ("jti");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "screen_token" cascade;`);
  }

}
