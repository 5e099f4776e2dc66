import { Migration } from '@mikro-orm/migrations';

export class Migration20261130050200_external_id extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "rating" add column "external_key" varchar(100) null;`);
    this.addSql(`alter table "rating" add constraint "rating_external_key_unique" unique ("external_key");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "rating" drop constraint "rating_external_key_unique";`);
    this.addSql(`alter table "rating" drop column "external_key";`);
  }

}
