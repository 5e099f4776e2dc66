import { Migration } from '@mikro-orm/migrations';

export class Migration20261130050500_fraud_signals extends Migration {

  // R18 fraud signals and 社情民意 themes (issue 12): signal and theme tables, the rating's origin
  // (keyed hashes of phone and address, the token's issuer) and each window's opening hours.
  override async up(): Promise<void> {
    this.addSql(`create table "comment_theme" ("id" serial primary key, "term" varchar(40) not null, "region_code" varchar(12) not null, "confirmed_by" varchar(100) not null, "confirmed_at" bigint not null, "note" text null);`);
    this.addSql(`alter table "comment_theme" add constraint "comment_theme_region_code_term_unique" unique ("region_code", "term");`);

    this.addSql(`create table "fraud_signal" ("id" serial primary key, "kind" varchar(24) not null, "fingerprint" varchar(200) not null, "region_code" varchar(12) not null, "department_id" int null, "department_path" varchar(200) null, "explanation" varchar(500) not null, "detail" text not null, "rating_ids" text not null, "rating_count" int not null, "first_at" bigint not null, "last_at" bigint not null, "state" varchar(12) not null, "reviewed_by" varchar(100) null, "reviewed_at" bigint null, "review_note" varchar(500) null, "invalidated_count" int null, "created_at" bigint not null);`);
    this.addSql(`alter table "fraud_signal" add constraint "fraud_signal_fingerprint_unique" unique ("fingerprint");`);
    this.addSql(`create index "fraud_signal_state_region_code_index" on "fraud_signal" ("state", "region_code");`);

    this.addSql(`alter table "rating" add column "rater_mobile_hash" varchar(64) null, add column "client_ip_hash" varchar(64) null, add column "token_issuer" varchar(100) null;`);

    this.addSql(`alter table "service_window" add column "opening_hours" varchar(40) not null default '1-5 08:30-17:30';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "comment_theme" cascade;`);

    this.addSql(`drop table if exists "fraud_signal" cascade;`);

    this.addSql(`alter table "rating" drop column "rater_mobile_hash", drop column "client_ip_hash", drop column "token_issuer";`);

    this.addSql(`alter table "service_window" drop column "opening_hours";`);
  }

}
