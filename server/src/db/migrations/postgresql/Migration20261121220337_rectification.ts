import { Migration } from '@mikro-orm/migrations';

export class Migration20261121220337_rectification extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "outbox" ("id" serial primary key, "topic" varchar(40) not null, "record_key" varchar(120) not null, "aggregate_type" varchar(30) not null, "aggregate_id" varchar(40) not null, "payload" text not null, "created_at" bigint not null, "available_at" bigint not null, "attempts" int not null, "delivered_at" bigint null, "last_error" varchar(500) null);`);
    this.addSql(`alter table "outbox" add constraint "outbox_record_key_unique" unique ("record_key");`);
    this.addSql(`create index "outbox_delivered_at_available_at_index" on "outbox" ("delivered_at", "available_at");`);
    this.addSql(`create index "outbox_aggregate_type_aggregate_id_index" on "outbox" ("aggregate_type", "aggregate_id");`);

    this.addSql(`create table "rect_case" ("id" serial primary key, "rating_id" int not null, "service_id" int not null, "case_id" int not null, "project_no" varchar(50) not null, "service_number" int not null, "item_id" int not null, "staff_id" int null, "department_id" int not null, "department_path" varchar(200) not null, "region_code" varchar(12) not null, "handling_department_id" int null, "handling_department_path" varchar(200) null, "problem_id" int null, "state" varchar(16) not null, "level" int not null, "finding" varchar(16) null, "reasonable" boolean null, "rect_class" varchar(10) null, "opened_at" bigint not null, "stage_due_at" bigint null, "stage_unit" varchar(1) null, "rectify_due_at" bigint not null, "rectify_unit" varchar(1) not null, "extended_to" bigint null, "extensions" int not null, "extension_reason" varchar(500) null, "due_at" bigint null, "paused_at" bigint null, "state_before_appeal" varchar(16) null, "appealed_at" bigint null, "appeal_reason" varchar(500) null, "appeal_by" varchar(100) null, "appeal_decision" varchar(16) null, "appeal_decided_at" bigint null, "appeal_decided_by" varchar(100) null, "appeal_note" varchar(1000) null, "handler" varchar(60) null, "proposed_handling" varchar(500) null, "leader_instruction" varchar(500) null, "content" varchar(255) null, "reply" varchar(500) null, "resolved_at" bigint null, "on_time" boolean null, "callback_attempts" int not null, "callback_reached" boolean null, "callback_satisfaction" int null, "called_back_at" bigint null, "rerate_level" int null, "rerate_channel" varchar(16) null, "rerated_at" bigint null, "closed_at" bigint null, "overdue" boolean not null, "ever_overdue" boolean not null, "escalation_level" int not null, "escalated_at" bigint null, "escalated_due_at" bigint null, "invalid_reason" varchar(200) null, "updated_at" bigint not null, "version" int not null default 1);`);
    this.addSql(`create index "rect_case_department_path_index" on "rect_case" ("department_path");`);
    this.addSql(`create index "rect_case_handling_department_path_index" on "rect_case" ("handling_department_path");`);
    this.addSql(`create index "rect_case_region_code_index" on "rect_case" ("region_code");`);
    this.addSql(`create index "rect_case_state_due_at_index" on "rect_case" ("state", "due_at");`);
    this.addSql(`create index "rect_case_item_id_opened_at_index" on "rect_case" ("item_id", "opened_at");`);
    this.addSql(`create index "rect_case_department_id_opened_at_index" on "rect_case" ("department_id", "opened_at");`);
    this.addSql(`create index "rect_case_problem_id_index" on "rect_case" ("problem_id");`);
    this.addSql(`alter table "rect_case" add constraint "rect_case_rating_id_department_id_unique" unique ("rating_id", "department_id");`);

    this.addSql(`create table "rect_holiday" ("region_code" varchar(12) not null, "day" int not null, "kind" varchar(8) not null, "name" varchar(60) not null, constraint "rect_holiday_pkey" primary key ("region_code", "day"));`);

    this.addSql(`create table "rect_problem" ("id" serial primary key, "group_by" varchar(12) not null, "group_key" varchar(40) not null, "open_key" varchar(40) null, "item_id" int null, "department_id" int not null, "department_path" varchar(200) not null, "region_code" varchar(12) not null, "state" varchar(12) not null, "opened_at" bigint not null, "window_days" int not null, "threshold" int not null, "cause" varchar(1000) null, "measures" varchar(1000) null, "analysed_at" bigint null, "analysed_by" varchar(100) null, "closed_at" bigint null, "closed_by" varchar(100) null, "close_note" varchar(1000) null);`);
    this.addSql(`alter table "rect_problem" add constraint "rect_problem_open_key_unique" unique ("open_key");`);
    this.addSql(`create index "rect_problem_department_path_index" on "rect_problem" ("department_path");`);
    this.addSql(`create index "rect_problem_region_code_index" on "rect_problem" ("region_code");`);

    this.addSql(`create table "rect_rollup" ("scope" varchar(40) not null, "grain" varchar(1) not null, "period" int not null, "metric" varchar(24) not null, "n" int not null, constraint "rect_rollup_pkey" primary key ("scope", "grain", "period", "metric"));`);

    this.addSql(`create table "rect_setting" ("region_code" varchar(12) not null, "key" varchar(40) not null, "value" varchar(100) not null, "updated_at" bigint not null, "updated_by" varchar(100) not null, constraint "rect_setting_pkey" primary key ("region_code", "key"));`);

    this.addSql(`create table "rect_step" ("id" serial primary key, "rect_case_id" int not null, "seq" int not null, "action" varchar(16) not null, "from_state" varchar(16) null, "to_state" varchar(16) not null, "actor" varchar(100) not null, "actor_role" varchar(16) not null, "at" bigint not null, "note" text null, "attachments" text null, "data" text null);`);
    this.addSql(`alter table "rect_step" add constraint "rect_step_rect_case_id_seq_unique" unique ("rect_case_id", "seq");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "outbox" cascade;`);

    this.addSql(`drop table if exists "rect_case" cascade;`);

    this.addSql(`drop table if exists "rect_holiday" cascade;`);

    this.addSql(`drop table if exists "rect_problem" cascade;`);

    this.addSql(`drop table if exists "rect_rollup" cascade;`);

    this.addSql(`drop table if exists "rect_setting" cascade;`);

    this.addSql(`drop table if exists "rect_step" cascade;`);
  }

}
