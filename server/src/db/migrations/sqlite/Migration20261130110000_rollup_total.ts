import { Migration } from '@mikro-orm/migrations';

export class Migration20261130110000_rollup_total extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`rollup_total\` (\`bucket\` text not null, \`scope\` text not null, \`grain\` text not null, \`period\` integer not null, \`a1\` integer not null, \`a2\` integer not null, \`a3\` integer not null, \`a4\` integer not null, \`a5\` integer not null, \`d1\` integer not null, \`d2\` integer not null, \`d3\` integer not null, \`d4\` integer not null, \`d5\` integer not null, primary key (\`bucket\`, \`scope\`, \`grain\`, \`period\`));`);
    // Fills the new table from the detailed counters (the same cells with the channel summed away), so an
    // existing installation upgrades without `npm run stats:rebuild`.
    this.addSql(`insert into \`rollup_total\` (\`bucket\`, \`scope\`, \`grain\`, \`period\`, \`a1\`, \`a2\`, \`a3\`, \`a4\`, \`a5\`, \`d1\`, \`d2\`, \`d3\`, \`d4\`, \`d5\`) select \`bucket\`, \`scope\`, \`grain\`, \`period\`, sum(case when \`level\` = 1 and \`is_default\` = 0 then \`n\` else 0 end), sum(case when \`level\` = 2 and \`is_default\` = 0 then \`n\` else 0 end), sum(case when \`level\` = 3 and \`is_default\` = 0 then \`n\` else 0 end), sum(case when \`level\` = 4 and \`is_default\` = 0 then \`n\` else 0 end), sum(case when \`level\` = 5 and \`is_default\` = 0 then \`n\` else 0 end), sum(case when \`level\` = 1 and \`is_default\` = 1 then \`n\` else 0 end), sum(case when \`level\` = 2 and \`is_default\` = 1 then \`n\` else 0 end), sum(case when \`level\` = 3 and \`is_default\` = 1 then \`n\` else 0 end), sum(case when \`level\` = 4 and \`is_default\` = 1 then \`n\` else 0 end), sum(case when \`level\` = 5 and \`is_default\` = 1 then \`n\` else 0 end) from \`rollup_count\` group by \`bucket\`, \`scope\`, \`grain\`, \`period\`;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`rollup_total\`;`);
  }

}
