import { Migration } from '@mikro-orm/migrations';

export class Migration20261130050300_quality_finding extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "quality_finding" ("id" serial primary key, "kind" varchar(40) not null, "department_id" int null, "record_key" varchar(80) not null, "field" varchar(40) not null, "given_value" varchar(200) null, "expected" varchar(200) null, "message" varchar(500) not null, "refused" varchar(40) null, "source" varchar(20) not null, "sender" varchar(100) not null, "at" bigint not null);`);
    this.addSql(`create index "quality_finding_department_id_at_index" on "quality_finding" ("department_id", "at");`);
    this.addSql(`create index "quality_finding_kind_at_index" on "quality_finding" ("kind", "at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "quality_finding" cascade;`);
  }

}
