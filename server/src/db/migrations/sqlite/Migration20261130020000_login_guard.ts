import { Migration } from '@mikro-orm/migrations';

export class Migration20261130020000_login_guard extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`login_guard\` (\`username\` text not null, \`failures\` integer not null, \`locked_until\` bigint null, \`updated_at\` bigint not null, primary key (\`username\`));`);
  }

}
