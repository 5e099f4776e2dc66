import { Migration } from '@mikro-orm/migrations';

export class Migration20261121214157_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "api_key" ("id" serial primary key, "key_hash" varchar(64) not null, "role" varchar(16) not null, "name" varchar(100) not null, "department_id" int null, "window_id" int null, "terminal_id" int null, "revoked" boolean not null, "created_at" bigint not null);`);
    this.addSql(`alter table "api_key" add constraint "api_key_key_hash_unique" unique ("key_hash");`);

    this.addSql(`create table "app_user" ("id" serial primary key, "username" varchar(60) not null, "password_hash" varchar(200) not null, "role" varchar(16) not null, "display_name" varchar(60) not null, "department_id" int null, "region_code" varchar(12) null, "created_at" bigint not null);`);
    this.addSql(`alter table "app_user" add constraint "app_user_username_unique" unique ("username");`);

    this.addSql(`create table "audit_log" ("id" serial primary key, "at" bigint not null, "actor" varchar(100) not null, "action" varchar(60) not null, "subject" varchar(100) not null, "detail" varchar(500) null);`);
    this.addSql(`create index "audit_log_subject_index" on "audit_log" ("subject");`);

    this.addSql(`create table "case_record" ("id" serial primary key, "project_no" varchar(50) not null, "kind" varchar(16) not null, "batch_no" varchar(50) null, "user_prop" int not null, "applicant_name_sealed" varchar(400) not null, "applicant_name_masked" varchar(60) not null, "applicant_mobile_sealed" varchar(400) null, "applicant_mobile_masked" varchar(30) null, "applicant_cert_sealed" varchar(400) null, "created_at" bigint not null);`);
    this.addSql(`alter table "case_record" add constraint "case_record_project_no_unique" unique ("project_no");`);
    this.addSql(`create index "case_record_batch_no_index" on "case_record" ("batch_no");`);

    this.addSql(`create table "case_unit" ("id" serial primary key, "case_id" int not null, "department_id" int not null, "item_id" int not null);`);
    this.addSql(`create index "case_unit_case_id_index" on "case_unit" ("case_id");`);
    this.addSql(`alter table "case_unit" add constraint "case_unit_case_id_department_id_item_id_unique" unique ("case_id", "department_id", "item_id");`);

    this.addSql(`create table "department" ("id" serial primary key, "credit_code" varchar(18) not null, "name" varchar(100) not null, "region_code" varchar(12) not null, "parent_id" int null, "path" varchar(200) not null);`);
    this.addSql(`alter table "department" add constraint "department_credit_code_unique" unique ("credit_code");`);
    this.addSql(`create index "department_region_code_index" on "department" ("region_code");`);
    this.addSql(`create index "department_path_index" on "department" ("path");`);

    this.addSql(`create table "hall" ("id" serial primary key, "name" varchar(100) not null, "region_code" varchar(12) not null);`);
    this.addSql(`create index "hall_region_code_index" on "hall" ("region_code");`);

    this.addSql(`create table "item" ("id" serial primary key, "task_code" varchar(40) not null, "handle_item_code" varchar(60) not null, "name" varchar(200) not null, "item_type" varchar(2) not null, "department_id" int not null);`);
    this.addSql(`alter table "item" add constraint "item_task_code_unique" unique ("task_code");`);
    this.addSql(`create index "item_handle_item_code_index" on "item" ("handle_item_code");`);
    this.addSql(`create index "item_department_id_index" on "item" ("department_id");`);

    this.addSql(`create table "app_meta" ("key" varchar(60) not null, "value" varchar(500) not null, constraint "app_meta_pkey" primary key ("key"));`);

    this.addSql(`create table "rating" ("id" serial primary key, "service_id" int not null, "case_id" int not null, "assess_number" int not null, "level" int not null, "dimensions" varchar(200) null, "tags" varchar(200) not null, "comment" text null, "channel" varchar(16) not null, "pf" int not null, "is_default" boolean not null, "valid" boolean not null, "invalid_reason" varchar(200) null, "rater_name_sealed" varchar(400) null, "rater_name_masked" varchar(60) null, "rater_mobile_sealed" varchar(400) null, "rater_mobile_masked" varchar(30) null, "source" varchar(16) not null, "token_id" varchar(64) null, "actor_id" int null, "rated_at" bigint not null);`);
    this.addSql(`create index "rating_case_id_index" on "rating" ("case_id");`);
    this.addSql(`alter table "rating" add constraint "rating_token_id_unique" unique ("token_id");`);
    this.addSql(`create index "rating_rated_at_index" on "rating" ("rated_at");`);
    this.addSql(`alter table "rating" add constraint "rating_service_id_assess_number_unique" unique ("service_id", "assess_number");`);

    this.addSql(`create table "region" ("code" varchar(12) not null, "name" varchar(100) not null, "level" varchar(10) not null, "parent_code" varchar(12) null, constraint "region_pkey" primary key ("code"));`);
    this.addSql(`create index "region_parent_code_index" on "region" ("parent_code");`);

    this.addSql(`create table "rollup_count" ("bucket" varchar(1) not null, "scope" varchar(40) not null, "grain" varchar(1) not null, "period" int not null, "channel" varchar(16) not null, "level" int not null, "is_default" int not null, "n" int not null, constraint "rollup_count_pkey" primary key ("bucket", "scope", "grain", "period", "channel", "level", "is_default"));`);

    this.addSql(`create table "rollup_tag" ("bucket" varchar(1) not null, "scope" varchar(40) not null, "grain" varchar(1) not null, "period" int not null, "channel" varchar(16) not null, "tag" varchar(10) not null, "n" int not null, constraint "rollup_tag_pkey" primary key ("bucket", "scope", "grain", "period", "channel", "tag"));`);

    this.addSql(`create table "service" ("id" serial primary key, "case_id" int not null, "project_no" varchar(50) not null, "service_number" int not null, "node_name" varchar(100) not null, "item_id" int not null, "department_id" int not null, "region_code" varchar(12) not null, "staff_id" int null, "window_id" int null, "terminal_id" int null, "pro_channel" int not null, "pro_status" int not null, "accepted_at" bigint null, "completed_at" bigint null, "rating_id" int null, "created_at" bigint not null);`);
    this.addSql(`create index "service_case_id_index" on "service" ("case_id");`);
    this.addSql(`create index "service_department_id_index" on "service" ("department_id");`);
    this.addSql(`create index "service_rating_id_completed_at_index" on "service" ("rating_id", "completed_at");`);
    this.addSql(`alter table "service" add constraint "service_project_no_service_number_unique" unique ("project_no", "service_number");`);

    this.addSql(`create table "service_window" ("id" serial primary key, "hall_id" int not null, "no" varchar(20) not null, "name" varchar(100) not null, "department_id" int null);`);
    this.addSql(`alter table "service_window" add constraint "service_window_hall_id_no_unique" unique ("hall_id", "no");`);

    this.addSql(`create table "staff" ("id" serial primary key, "department_id" int not null, "work_no" varchar(30) not null, "name" varchar(30) not null, "window_id" int null);`);
    this.addSql(`alter table "staff" add constraint "staff_department_id_work_no_unique" unique ("department_id", "work_no");`);

    this.addSql(`create table "tag" ("id" serial primary key, "version" varchar(10) not null, "code" varchar(10) not null, "level" int not null, "name" varchar(100) not null, "name_en" varchar(200) not null, "active" boolean not null);`);
    this.addSql(`alter table "tag" add constraint "tag_version_code_unique" unique ("version", "code");`);

    this.addSql(`create table "terminal" ("id" serial primary key, "hall_id" int not null, "no" varchar(20) not null, "name" varchar(100) not null);`);
    this.addSql(`alter table "terminal" add constraint "terminal_hall_id_no_unique" unique ("hall_id", "no");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "api_key" cascade;`);

    this.addSql(`drop table if exists "app_user" cascade;`);

    this.addSql(`drop table if exists "audit_log" cascade;`);

    this.addSql(`drop table if exists "case_record" cascade;`);

    this.addSql(`drop table if exists "case_unit" cascade;`);

    this.addSql(`drop table if exists "department" cascade;`);

    this.addSql(`drop table if exists "hall" cascade;`);

    this.addSql(`drop table if exists "item" cascade;`);

    this.addSql(`drop table if exists "app_meta" cascade;`);

    this.addSql(`drop table if exists "rating" cascade;`);

    this.addSql(`drop table if exists "region" cascade;`);

    this.addSql(`drop table if exists "rollup_count" cascade;`);

    this.addSql(`drop table if exists "rollup_tag" cascade;`);

    this.addSql(`drop table if exists "service" cascade;`);

    this.addSql(`drop table if exists "service_window" cascade;`);

    this.addSql(`drop table if exists "staff" cascade;`);

    this.addSql(`drop table if exists "tag" cascade;`);

    this.addSql(`drop table if exists "terminal" cascade;`);
  }

}
