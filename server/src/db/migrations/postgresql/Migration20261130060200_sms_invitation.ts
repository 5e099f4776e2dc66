import { Migration } from '@mikro-orm/migrations';

export class Migration20261130060200_sms_invitation extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "sms_invitation" ("id" serial primary key, "service_id" int not null, "mobile_hash" varchar(40) not null, "sent_at" bigint not null, "rating_id" int null, "answered_message_id" varchar(100) null, "answered_at" bigint null);`);
    this.addSql(`alter table "sms_invitation" add constraint "sms_invitation_service_id_unique" unique ("service_id");`);
    this.addSql(`create index "sms_invitation_answered_message_id_index" on "sms_invitation" ("answered_message_id");`);
    this.addSql(`create index "sms_invitation_mobile_hash_sent_at_index" on "sms_invitation" ("mobile_hash", "sent_at");`);
  }

}
