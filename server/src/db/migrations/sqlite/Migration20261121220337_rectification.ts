import { Migration } from '@mikro-orm/migrations';

export class Migration20261121220337_rectification extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`outbox\` (\`id\` integer not null primary key autoincrement, \`topic\` text not null, \`record_key\` text not null, \`aggregate_type\` text not null, \`aggregate_id\` text not null, \`payload\` text not null, \`created_at\` bigint not null, \`available_at\` bigint not null, \`attempts\` integer not null, \`delivered_at\` bigint null, \`last_error\` text null);`);
    this.addSql(`create unique index \`outbox_record_key_unique\` on \`outbox\` (\`record_key\`);`);
    this.addSql(`create index \`outbox_delivered_at_available_at_index\` on \`outbox\` (\`delivered_at\`, \`available_at\`);`);
    this.addSql(`create index \`outbox_aggregate_type_aggregate_id_index\` on \`outbox\` (\`aggregate_type\`, \`aggregate_id\`);`);

    this.addSql(`create table \`rect_case\` (\`id\` integer not null primary key autoincrement, \`rating_id\` integer not null, \`service_id\` integer not null, \`case_id\` integer not null, \`project_no\` text not null, \`service_number\` integer not null, \`item_id\` integer not null, \`staff_id\` integer null, \`department_id\` integer not null, \`department_path\` text not null, \`region_code\` text not null, \`handling_department_id\` integer null, \`handling_department_path\` text null, \`problem_id\` integer null, \`state\` text not null, \`level\` integer not null, \`finding\` text null, \`reasonable\` integer null, \`rect_class\` text null, \`opened_at\` bigint not null, \`stage_due_at\` bigint null, \`stage_unit\` text null, \`rectify_due_at\` bigint not null, \`rectify_unit\` text not null, \`extended_to\` bigint null, \`extensions\` integer not null, \`extension_reason\` text null, \`due_at\` bigint null, \`paused_at\` bigint null, \`state_before_appeal\` text null, \`appealed_at\` bigint null, \`appeal_reason\` text null, \`appeal_by\` text null, \`appeal_decision\` text null, \`appeal_decided_at\` bigint null, \`appeal_decided_by\` text null, \`appeal_note\` text null, \`handler\` text null, \`proposed_handling\` text null, \`leader_instruction\` text null, \`content\` text null, \`reply\` text null, \`resolved_at\` bigint null, \`on_time\` integer null, \`callback_attempts\` integer not null, \`callback_reached\` integer null, \`callback_satisfaction\` integer null, \`called_back_at\` bigint null, \`rerate_level\` integer null, \`rerate_channel\` text null, \`rerated_at\` bigint null, \`closed_at\` bigint null, \`overdue\` integer not null, \`ever_overdue\` integer not null, \`escalation_level\` integer not null, \`escalated_at\` bigint null, \`escalated_due_at\` bigint null, \`invalid_reason\` text null, \`updated_at\` bigint not null, \`version\` integer not null default 1);`);
    this.addSql(`create index \`rect_case_department_path_index\` on \`rect_case\` (\`department_path\`);`);
    this.addSql(`create index \`rect_case_handling_department_path_index\` on \`rect_case\` (\`handling_department_path\`);`);
    this.addSql(`create index \`rect_case_region_code_index\` on \`rect_case\` (\`region_code\`);`);
    this.addSql(`create index \`rect_case_state_due_at_index\` on \`rect_case\` (\`state\`, \`due_at\`);`);
    this.addSql(`create index \`rect_case_item_id_opened_at_index\` on \`rect_case\` (\`item_id\`, \`opened_at\`);`);
    this.addSql(`create index \`rect_case_department_id_opened_at_index\` on \`rect_case\` (\`department_id\`, \`opened_at\`);`);
    this.addSql(`create index \`rect_case_problem_id_index\` on \`rect_case\` (\`problem_id\`);`);
    this.addSql(`create unique index \`rect_case_rating_id_department_id_unique\` on \`rect_case\` (\`rating_id\`, \`department_id\`);`);

    this.addSql(`create table \`rect_holiday\` (\`region_code\` text not null, \`day\` integer not null, \`kind\` text not null, \`name\` text not null, primary key (\`region_code\`, \`day\`));`);

    this.addSql(`create table \`rect_problem\` (\`id\` integer not null primary key autoincrement, \`group_by\` text not null, \`group_key\` text not null, \`open_key\` text null, \`item_id\` integer null, \`department_id\` integer not null, \`department_path\` text not null, \`region_code\` text not null, \`state\` text not null, \`opened_at\` bigint not null, \`window_days\` integer not null, \`threshold\` integer not null, \`cause\` text null, \`measures\` text null, \`analysed_at\` bigint null, \`analysed_by\` text null, \`closed_at\` bigint null, \`closed_by\` text null, \`close_note\` text null);`);
    this.addSql(`create unique index \`rect_problem_open_key_unique\` on \`rect_problem\` (\`open_key\`);`);
    this.addSql(`create index \`rect_problem_department_path_index\` on \`rect_problem\` (\`department_path\`);`);
    this.addSql(`create index \`rect_problem_region_code_index\` on \`rect_problem\` (\`region_code\`);`);

    this.addSql(`create table \`rect_rollup\` (\`scope\` text not null, \`grain\` text not null, \`period\` integer not null, \`metric\` text not null, \`n\` integer not null, primary key (\`scope\`, \`grain\`, \`period\`, \`metric\`));`);

    this.addSql(`create table \`rect_setting\` (\`region_code\` text not null, \`key\` text not null, \`value\` text not null, \`updated_at\` bigint not null, \`updated_by\` text not null, primary key (\`region_code\`, \`key\`));`);

    this.addSql(`create table \`rect_step\` (\`id\` integer not null primary key autoincrement, \`rect_case_id\` integer not null, \`seq\` integer not null, \`action\` text not null, \`from_state\` text null, \`to_state\` text not null, \`actor\` text not null, \`actor_role\` text not null, \`at\` bigint not null, \`note\` text null, \`attachments\` text null, \`data\` text null);`);
    this.addSql(`create unique index \`rect_step_rect_case_id_seq_unique\` on \`rect_step\` (\`rect_case_id\`, \`seq\`);`);
  }

}
