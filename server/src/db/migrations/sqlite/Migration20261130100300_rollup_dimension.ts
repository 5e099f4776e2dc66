import { Migration } from '@mikro-orm/migrations';

export class Migration20261130100300_rollup_dimension extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`rollup_dimension\` (\`bucket\` text not null, \`scope\` text not null, \`grain\` text not null, \`period\` integer not null, \`channel\` text not null, \`dimension\` text not null, \`level\` integer not null, \`n\` integer not null, primary key (\`bucket\`, \`scope\`, \`grain\`, \`period\`, \`channel\`, \`dimension\`, \`level\`));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`rollup_dimension\`;`);
  }

}
