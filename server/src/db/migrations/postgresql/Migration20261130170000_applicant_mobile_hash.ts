import { Migration } from '@mikro-orm/migrations';

export class Migration20261130170000_applicant_mobile_hash extends Migration {

  override async up(): Promise<void> {
    // R18: the applicant's mobile hash kept at registration (no decrypt per rating). Existing cases keep
    // null: their ratings hash the sealed number as before (the key is not available to SQL).
    this.addSql(`alter table "case_record" add column "applicant_mobile_hash" varchar(120) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "case_record" drop column "applicant_mobile_hash";`);
  }

}
