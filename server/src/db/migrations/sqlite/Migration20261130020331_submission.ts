import { Migration } from '@mikro-orm/migrations';

export class Migration20261130020331_submission extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`rating\` add column \`submission_key\` text null;`);
    this.addSql(`create unique index \`rating_submission_key_unique\` on \`rating\` (\`submission_key\`);`);
  }

}
