import { Migration } from '@mikro-orm/migrations';

export class Migration20261130030000_audit extends Migration {

  override async up(): Promise<void> {
    // Rows written before the chain keep an empty hash and stand outside it (audit:verify says how many).
    this.addSql(`alter table \`audit_log\` add column \`role\` text not null default '';`);
    this.addSql(`alter table \`audit_log\` add column \`ip\` text null;`);
    this.addSql(`alter table \`audit_log\` add column \`outcome\` text not null default 'ok';`);
    this.addSql(`alter table \`audit_log\` add column \`request_id\` text null;`);
    this.addSql(`alter table \`audit_log\` add column \`prev_hash\` text not null default '';`);
    this.addSql(`alter table \`audit_log\` add column \`hash\` text not null default '';`);
    this.addSql(`create index \`audit_log_at_index\` on \`audit_log\` (\`at\`);`);
    this.addSql(`create table \`audit_head\` (\`id\` integer not null, \`last_id\` integer not null, \`last_hash\` text not null, primary key (\`id\`));`);
    this.addSql(`create trigger \`audit_log_no_update\` before update on \`audit_log\` begin select raise(abort, 'audit_log is append-only'); end;`);
    this.addSql(`create trigger \`audit_log_no_delete\` before delete on \`audit_log\` begin select raise(abort, 'audit_log is append-only'); end;`);
  }

}
