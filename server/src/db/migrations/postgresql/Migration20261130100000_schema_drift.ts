import { Migration } from '@mikro-orm/migrations';

export class Migration20261130100000_schema_drift extends Migration {

  // The audit columns were added to a table that already had rows, so they were given defaults; every
  // row is written with all of them, so the defaults go (as the entities declare). The generator then
  // finds nothing to change.
  override async up(): Promise<void> {
    this.addSql(`alter table "audit_log" alter column "role" drop default, alter column "outcome" drop default, alter column "prev_hash" drop default, alter column "hash" drop default;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "audit_log" alter column "role" set default '', alter column "outcome" set default 'ok', alter column "prev_hash" set default '', alter column "hash" set default '';`);
  }

}
