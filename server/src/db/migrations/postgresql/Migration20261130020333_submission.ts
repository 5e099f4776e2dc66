import { Migration } from '@mikro-orm/migrations';

export class Migration20261130020333_submission extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "rating" add column "submission_key" varchar(100) null;`);
    this.addSql(`alter table "rating" add constraint "rating_submission_key_unique" unique ("submission_key");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "rating" drop constraint "rating_submission_key_unique";`);
    this.addSql(`alter table "rating" drop column "submission_key";`);
  }

}
