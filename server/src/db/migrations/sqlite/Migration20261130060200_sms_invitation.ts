import { Migration } from '@mikro-orm/migrations';

export class Migration20261130060200_sms_invitation extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`sms_invitation\` (\`id\` integer not null primary key autoincrement, \`service_id\` integer not null, \`mobile_hash\` text not null, \`sent_at\` bigint not null, \`rating_id\` integer null, \`answered_message_id\` text null, \`answered_at\` bigint null);`);
    this.addSql(`create unique index \`sms_invitation_service_id_unique\` on \`sms_invitation\` (\`service_id\`);`);
    this.addSql(`create index \`sms_invitation_answered_message_id_index\` on \`sms_invitation\` (\`answered_message_id\`);`);
    this.addSql(`create index \`sms_invitation_mobile_hash_sent_at_index\` on \`sms_invitation\` (\`mobile_hash\`, \`sent_at\`);`);
  }

}
