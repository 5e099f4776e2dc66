import { Migration } from '@mikro-orm/migrations';

export class Migration20261130060400_bulletin extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "bulletin" ("id" serial primary key, "region_code" varchar(12) not null, "period" varchar(7) not null, "status" varchar(10) not null, "content" text not null, "generated_at" bigint not null, "generated_by" varchar(100) not null, "approved_by" varchar(100) null, "approved_at" bigint null);`);
    this.addSql(`alter table "bulletin" add constraint "bulletin_region_code_period_unique" unique ("region_code", "period");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "bulletin" cascade;`);
  }

}
