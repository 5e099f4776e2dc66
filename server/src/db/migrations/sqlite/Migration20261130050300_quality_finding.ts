import { Migration } from '@mikro-orm/migrations';

export class Migration20261130050300_quality_finding extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`quality_finding\` (\`id\` integer not null primary key autoincrement, \`kind\` text not null, \`department_id\` integer null, \`record_key\` text not null, \`field\` text not null, \`given_value\` text null, \`expected\` text null, \`message\` text not null, \`refused\` text null, \`source\` text not null, \`sender\` text not null, \`at\` bigint not null);`);
    this.addSql(`create index \`quality_finding_department_id_at_index\` on \`quality_finding\` (\`department_id\`, \`at\`);`);
    this.addSql(`create index \`quality_finding_kind_at_index\` on \`quality_finding\` (\`kind\`, \`at\`);`);
  }

}
