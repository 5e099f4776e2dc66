import { Migration } from '@mikro-orm/migrations';

export class Migration20261121214157_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`api_key\` (\`id\` integer not null primary key autoincrement, \`key_hash\` text not null, \`role\` text not null, \`name\` text not null, \`department_id\` integer null, \`window_id\` integer null, \`terminal_id\` integer null, \`revoked\` integer not null, \`created_at\` bigint not null);`);
    this.addSql(`create unique index \`api_key_key_hash_unique\` on \`api_key\` (\`key_hash\`);`);

    this.addSql(`create table \`app_user\` (\`id\` integer not null primary key autoincrement, \`username\` text not null, \`password_hash\` text not null, \`role\` text not null, \`display_name\` text not null, \`department_id\` integer null, \`region_code\` text null, \`created_at\` bigint not null);`);
    this.addSql(`create unique index \`app_user_username_unique\` on \`app_user\` (\`username\`);`);

    this.addSql(`create table \`audit_log\` (\`id\` integer not null primary key autoincrement, \`at\` bigint not null, \`actor\` text not null, \`action\` text not null, \`subject\` text not null, \`detail\` text null);`);
    this.addSql(`create index \`audit_log_subject_index\` on \`audit_log\` (\`subject\`);`);

    this.addSql(`create table \`case_record\` (\`id\` integer not null primary key autoincrement, \`project_no\` text not null, \`kind\` text not null, \`batch_no\` text null, \`user_prop\` integer not null, \`applicant_name_sealed\` text not null, \`applicant_name_masked\` text not null, \`applicant_mobile_sealed\` text null, \`applicant_mobile_masked\` text null, \`applicant_cert_sealed\` text null, \`created_at\` bigint not null);`);
    this.addSql(`create unique index \`case_record_project_no_unique\` on \`case_record\` (\`project_no\`);`);
    this.addSql(`create index \`case_record_batch_no_index\` on \`case_record\` (\`batch_no\`);`);

    this.addSql(`create table \`case_unit\` (\`id\` integer not null primary key autoincrement, \`case_id\` integer not null, \`department_id\` integer not null, \`item_id\` integer not null);`);
    this.addSql(`create index \`case_unit_case_id_index\` on \`case_unit\` (\`case_id\`);`);
    this.addSql(`create unique index \`case_unit_case_id_department_id_item_id_unique\` on \`case_unit\` (\`case_id\`, \`department_id\`, \`item_id\`);`);

    this.addSql(`create table \`department\` (\`id\` integer not null primary key autoincrement, \`credit_code\` text not null, \`name\` text not null, \`region_code\` text not null, \`parent_id\` integer null, \`path\` text not null);`);
    this.addSql(`create unique index \`department_credit_code_unique\` on \`department\` (\`credit_code\`);`);
    this.addSql(`create index \`department_region_code_index\` on \`department\` (\`region_code\`);`);
    this.addSql(`create index \`department_path_index\` on \`department\` (\`path\`);`);

    this.addSql(`create table \`hall\` (\`id\` integer not null primary key autoincrement, \`name\` text not null, \`region_code\` text not null);`);
    this.addSql(`create index \`hall_region_code_index\` on \`hall\` (\`region_code\`);`);

    this.addSql(`create table \`item\` (\`id\` integer not null primary key autoincrement, \`task_code\` text not null, \`handle_item_code\` text not null, \`name\` text not null, \`item_type\` text not null, \`department_id\` integer not null);`);
    this.addSql(`create unique index \`item_task_code_unique\` on \`item\` (\`task_code\`);`);
    this.addSql(`create index \`item_handle_item_code_index\` on \`item\` (\`handle_item_code\`);`);
    this.addSql(`create index \`item_department_id_index\` on \`item\` (\`department_id\`);`);

    this.addSql(`create table \`app_meta\` (\`key\` text not null, \`value\` text not null, primary key (\`key\`));`);

    this.addSql(`create table \`rating\` (\`id\` integer not null primary key autoincrement, \`service_id\` integer not null, \`case_id\` integer not null, \`assess_number\` integer not null, \`level\` integer not null, \`dimensions\` text null, \`tags\` text not null, \`comment\` text null, \`channel\` text not null, \`pf\` integer not null, \`is_default\` integer not null, \`valid\` integer not null, \`invalid_reason\` text null, \`rater_name_sealed\` text null, \`rater_name_masked\` text null, \`rater_mobile_sealed\` text null, \`rater_mobile_masked\` text null, \`source\` text not null, \`token_id\` text null, \`actor_id\` integer null, \`rated_at\` bigint not null);`);
    this.addSql(`create index \`rating_case_id_index\` on \`rating\` (\`case_id\`);`);
    this.addSql(`create unique index \`rating_token_id_unique\` on \`rating\` (\`token_id\`);`);
    this.addSql(`create index \`rating_rated_at_index\` on \`rating\` (\`rated_at\`);`);
    this.addSql(`create unique index \`rating_service_id_assess_number_unique\` on \`rating\` (\`service_id\`, \`assess_number\`);`);

    this.addSql(`create table \`region\` (\`code\` text not null, \`name\` text not null, \`level\` text not null, \`parent_code\` text null, primary key (\`code\`));`);
    this.addSql(`create index \`region_parent_code_index\` on \`region\` (\`parent_code\`);`);

    this.addSql(`create table \`rollup_count\` (\`bucket\` text not null, \`scope\` text not null, \`grain\` text not null, \`period\` integer not null, \`channel\` text not null, \`level\` integer not null, \`is_default\` integer not null, \`n\` integer not null, primary key (\`bucket\`, \`scope\`, \`grain\`, \`period\`, \`channel\`, \`level\`, \`is_default\`));`);

    this.addSql(`create table \`rollup_tag\` (\`bucket\` text not null, \`scope\` text not null, \`grain\` text not null, \`period\` integer not null, \`channel\` text not null, \`tag\` text not null, \`n\` integer not null, primary key (\`bucket\`, \`scope\`, \`grain\`, \`period\`, \`channel\`, \`tag\`));`);

    this.addSql(`create table \`service\` (\`id\` integer not null primary key autoincrement, \`case_id\` integer not null, \`project_no\` text not null, \`service_number\` integer not null, \`node_name\` text not null, \`item_id\` integer not null, \`department_id\` integer not null, \`region_code\` text not null, \`staff_id\` integer null, \`window_id\` integer null, \`terminal_id\` integer null, \`pro_channel\` integer not null, \`pro_status\` integer not null, \`accepted_at\` bigint null, \`completed_at\` bigint null, \`rating_id\` integer null, \`created_at\` bigint not null);`);
    this.addSql(`create index \`service_case_id_index\` on \`service\` (\`case_id\`);`);
    this.addSql(`create index \`service_department_id_index\` on \`service\` (\`department_id\`);`);
    this.addSql(`create index \`service_rating_id_completed_at_index\` on \`service\` (\`rating_id\`, \`completed_at\`);`);
    this.addSql(`create unique index \`service_project_no_service_number_unique\` on \`service\` (\`project_no\`, \`service_number\`);`);

    this.addSql(`create table \`service_window\` (\`id\` integer not null primary key autoincrement, \`hall_id\` integer not null, \`no\` text not null, \`name\` text not null, \`department_id\` integer null);`);
    this.addSql(`create unique index \`service_window_hall_id_no_unique\` on \`service_window\` (\`hall_id\`, \`no\`);`);

    this.addSql(`create table \`staff\` (\`id\` integer not null primary key autoincrement, \`department_id\` integer not null, \`work_no\` text not null, \`name\` text not null, \`window_id\` integer null);`);
    this.addSql(`create unique index \`staff_department_id_work_no_unique\` on \`staff\` (\`department_id\`, \`work_no\`);`);

    this.addSql(`create table \`tag\` (\`id\` integer not null primary key autoincrement, \`version\` text not null, \`code\` text not null, \`level\` integer not null, \`name\` text not null, \`name_en\` text not null, \`active\` integer not null);`);
    this.addSql(`create unique index \`tag_version_code_unique\` on \`tag\` (\`version\`, \`code\`);`);

    this.addSql(`create table \`terminal\` (\`id\` integer not null primary key autoincrement, \`hall_id\` integer not null, \`no\` text not null, \`name\` text not null);`);
    this.addSql(`create unique index \`terminal_hall_id_no_unique\` on \`terminal\` (\`hall_id\`, \`no\`);`);
  }

}
