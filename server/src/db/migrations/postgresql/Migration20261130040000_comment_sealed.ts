import { Migration } from '@mikro-orm/migrations';

export class Migration20261130040000_comment_sealed extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "rating" add column "comment_sealed" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "rating" drop column "comment_sealed";`);
  }

}
