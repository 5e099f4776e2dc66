import { Migration } from '@mikro-orm/migrations';

export class Migration20261130050500_fraud_signals extends Migration {

  // R18 fraud signals and 社情民意 themes (issue 12): signal and theme tables, the rating's origin
  // (keyed hashes of phone and address, the token's issuer) and each window's opening hours.
  override async up(): Promise<void> {
    this.addSql(`create table \`comment_theme\` (\`id\` integer not null primary key autoincrement, \`term\` text not null, \`region_code\` text not null, \`confirmed_by\` text not null, \`confirmed_at\` bigint not null, \`note\` text null);`);
    this.addSql(`create unique index \`comment_theme_region_code_term_unique\` on \`comment_theme\` (\`region_code\`, \`term\`);`);

    this.addSql(`create table \`fraud_signal\` (\`id\` integer not null primary key autoincrement, \`kind\` text not null, \`fingerprint\` text not null, \`region_code\` text not null, \`department_id\` integer null, \`department_path\` text null, \`explanation\` text not null, \`detail\` text not null, \`rating_ids\` text not null, \`rating_count\` integer not null, \`first_at\` bigint not null, \`last_at\` bigint not null, \`state\` text not null, \`reviewed_by\` text null, \`reviewed_at\` bigint null, \`review_note\` text null, \`invalidated_count\` integer null, \`created_at\` bigint not null);`);
    this.addSql(`create unique index \`fraud_signal_fingerprint_unique\` on \`fraud_signal\` (\`fingerprint\`);`);
    this.addSql(`create index \`fraud_signal_state_region_code_index\` on \`fraud_signal\` (\`state\`, \`region_code\`);`);

    this.addSql(`alter table \`rating\` add column \`rater_mobile_hash\` text null;`);
    this.addSql(`alter table \`rating\` add column \`client_ip_hash\` text null;`);
    this.addSql(`alter table \`rating\` add column \`token_issuer\` text null;`);

    this.addSql(`alter table \`service_window\` add column \`opening_hours\` text not null default '1-5 08:30-17:30';`);
  }

}
