import { Migration } from '@mikro-orm/migrations';

export class Migration20261130050200_external_id extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`rating\` add column \`external_key\` text null;`);
    this.addSql(`create unique index \`rating_external_key_unique\` on \`rating\` (\`external_key\`);`);
  }

}
