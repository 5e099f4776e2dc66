import { Migration } from '@mikro-orm/migrations';

export class Migration20261130020000_sign_in extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`login_guard\` (\`username\` text not null, \`failures\` integer not null, \`locked_until\` bigint null, \`updated_at\` bigint not null, primary key (\`username\`));`);
    this.addSql(`create table \`app_session\` (\`id\` text not null, \`user_id\` integer not null, \`created_at\` bigint not null, \`last_seen_at\` bigint not null, \`expires_at\` bigint not null, \`ended_at\` bigint null, primary key (\`id\`));`);
    this.addSql(`create index \`app_session_user_id_index\` on \`app_session\` (\`user_id\`);`);
  }

}
