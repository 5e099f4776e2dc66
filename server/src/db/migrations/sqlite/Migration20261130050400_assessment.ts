import { Migration } from '@mikro-orm/migrations';

export class Migration20261130050400_assessment extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`assessment_setting\` (\`region_code\` text not null, \`key\` text not null, \`value\` text not null, \`updated_at\` bigint not null, \`updated_by\` text not null, primary key (\`region_code\`, \`key\`));`);

    this.addSql(`create table \`assessment_snapshot\` (\`group_key\` text not null, \`period\` text not null, \`body\` text not null, \`computed_at\` bigint not null, primary key (\`group_key\`, \`period\`));`);

    this.addSql(`create table \`supervision_entry\` (\`id\` integer not null primary key autoincrement, \`region_code\` text not null, \`period\` text not null, \`group_key\` text not null, \`unit_key\` text not null, \`unit_name\` text not null, \`department_path\` text not null, \`reasons\` text not null, \`decision\` text null, \`note\` text null, \`decided_by\` text null, \`decided_at\` bigint null, \`created_at\` bigint not null);`);
    this.addSql(`create unique index \`supervision_entry_region_code_period_group_key_unit_key_unique\` on \`supervision_entry\` (\`region_code\`, \`period\`, \`group_key\`, \`unit_key\`);`);
  }

}
