import { Migration } from '@mikro-orm/migrations';

export class Migration20261121215927_screen extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`screen_token\` (\`id\` integer not null primary key autoincrement, \`jti\` text not null, \`kind\` text not null, \`label\` text not null, \`region_code\` text null, \`department_id\` integer null, \`issued_by\` text not null, \`created_at\` bigint not null, \`revoked_at\` bigint null);`);
    this.addSql(`create unique index \`screen_token_jti_unique\` on \`screen_token\` (\`jti\`);`);
  }

}
