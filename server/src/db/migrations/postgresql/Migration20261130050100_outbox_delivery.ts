import { Migration } from '@mikro-orm/migrations';

export class Migration20261130050100_outbox_delivery extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "outbox" add column "state" varchar(12) not null default 'PENDING', add column "refusals" int not null default 0, add column "claimed_by" varchar(60) null, add column "lease_until" bigint null;`);
    this.addSql(`update "outbox" set "state" = 'DELIVERED' where "delivered_at" is not null;`);
    this.addSql(`create index "outbox_state_available_at_index" on "outbox" ("state", "available_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "outbox_state_available_at_index";`);
    this.addSql(`alter table "outbox" drop column "state", drop column "refusals", drop column "claimed_by", drop column "lease_until";`);
  }

}
