import { Migration } from '@mikro-orm/migrations';

export class Migration20261130060400_bulletin extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`bulletin\` (\`id\` integer not null primary key autoincrement, \`region_code\` text not null, \`period\` text not null, \`status\` text not null, \`content\` text not null, \`generated_at\` bigint not null, \`generated_by\` text not null, \`approved_by\` text null, \`approved_at\` bigint null);`);
    this.addSql(`create unique index \`bulletin_region_code_period_unique\` on \`bulletin\` (\`region_code\`, \`period\`);`);
  }

}
