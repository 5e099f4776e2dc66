import { Migration } from '@mikro-orm/migrations';

export class Migration20261130151000_rollup_total_all_time extends Migration {

  override async up(): Promise<void> {
    // P5: the all-time rows of rollup_total in a small partial covering index (see rollup.entities.ts);
    // built from the existing rows by the database itself, so nothing to fill or rebuild.
    this.addSql(`create index rollup_total_all_time on rollup_total (bucket, scope, a1, a2, a3, a4, a5, d1, d2, d3, d4, d5) where grain = 'A';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists rollup_total_all_time;`);
  }

}
