import { Migration } from '@mikro-orm/migrations';

export class Migration20261130050400_assessment extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "assessment_setting" ("region_code" varchar(12) not null, "key" varchar(40) not null, "value" varchar(100) not null, "updated_at" bigint not null, "updated_by" varchar(100) not null, constraint "assessment_setting_pkey" primary key ("region_code", "key"));`);

    this.addSql(`create table "assessment_snapshot" ("group_key" varchar(40) not null, "period" varchar(7) not null, "body" text not null, "computed_at" bigint not null, constraint "assessment_snapshot_pkey" primary key ("group_key", "period"));`);

    this.addSql(`create table "supervision_entry" ("id" serial primary key, "region_code" varchar(12) not null, "period" varchar(7) not null, "group_key" varchar(40) not null, "unit_key" varchar(40) not null, "unit_name" varchar(100) not null, "department_path" varchar(200) not null, "reasons" text not null, "decision" varchar(12) null, "note" varchar(1000) null, "decided_by" varchar(100) null, "decided_at" bigint null, "created_at" bigint not null);`);
    this.addSql(`alter table "supervision_entry" add constraint "supervision_entry_region_code_period_group_key_unit_key_unique" unique ("region_code", "period", "group_key", "unit_key");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "assessment_setting" cascade;`);

    this.addSql(`drop table if exists "assessment_snapshot" cascade;`);

    this.addSql(`drop table if exists "supervision_entry" cascade;`);
  }

}
