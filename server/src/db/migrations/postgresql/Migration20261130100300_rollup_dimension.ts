import { Migration } from '@mikro-orm/migrations';

export class Migration20261130100300_rollup_dimension extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "rollup_dimension" ("bucket" varchar(1) not null, "scope" varchar(40) not null, "grain" varchar(1) not null, "period" int not null, "channel" varchar(16) not null, "dimension" varchar(16) not null, "level" int not null, "n" int not null, constraint "rollup_dimension_pkey" primary key ("bucket", "scope", "grain", "period", "channel", "dimension", "level"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "rollup_dimension" cascade;`);
  }

}
