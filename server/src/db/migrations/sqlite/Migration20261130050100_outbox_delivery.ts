import { Migration } from '@mikro-orm/migrations';

export class Migration20261130050100_outbox_delivery extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`outbox\` add column \`state\` text not null default 'PENDING';`);
    this.addSql(`alter table \`outbox\` add column \`refusals\` integer not null default 0;`);
    this.addSql(`alter table \`outbox\` add column \`claimed_by\` text null;`);
    this.addSql(`alter table \`outbox\` add column \`lease_until\` bigint null;`);
    this.addSql(`update \`outbox\` set \`state\` = 'DELIVERED' where \`delivered_at\` is not null;`);
    this.addSql(`create index \`outbox_state_available_at_index\` on \`outbox\` (\`state\`, \`available_at\`);`);
  }

}
