import { Field, GraphQLISODateTime, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum ScreenTokenKindEnum {
  SCREEN = 'SCREEN',
  EMBED = 'EMBED',
}
registerEnumType(ScreenTokenKindEnum, {
  name: 'ScreenTokenKind',
  description: 'SCREEN: a hall big screen (/screen); EMBED: a portal widget (/widget, embed.js)',
});

@ObjectType({ description: 'A read-only screen or embed token: it does not expire and is revoked by its jti' })
export class ScreenTokenView {
  @Field(() => String, { description: 'Token id; pass it to revokeScreenToken' }) jti!: string;
  @Field(() => ScreenTokenKindEnum) kind!: ScreenTokenKindEnum;
  @Field(() => String) label!: string;
  @Field(() => String, { nullable: true, description: 'The region the token is locked to' }) regionCode?: string | null;
  @Field(() => Int, { nullable: true, description: 'The department (with its sub-units) the token is locked to' }) departmentId?: number | null;
  @Field(() => String) issuedBy!: string;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) revokedAt?: Date | null;
  @Field(() => String, { nullable: true, description: 'The signed token; returned only by issueScreenToken' }) token?: string | null;
  @Field(() => String, { nullable: true, description: 'Dashboard path with the token, returned only by issueScreenToken' }) path?: string | null;
}

@ObjectType({ description: 'A service offered for rating on a window evaluator or self-service terminal (R7); no applicant data' })
export class RatingPresentation {
  @Field(() => String, { description: 'Identifies this presentation (a device shows each once)' }) id!: string;
  @Field(() => String, { description: '办件编号' }) projectNo!: string;
  @Field(() => Int) serviceNumber!: number;
  @Field(() => String) nodeName!: string;
  @Field(() => String) itemName!: string;
  @Field(() => String) departmentName!: string;
  @Field(() => String, { nullable: true, description: '工号 (R7)' }) staffWorkNo?: string | null;
  @Field(() => String, { nullable: true, description: 'Staff name, shown on window evaluators (R7)' }) staffName?: string | null;
  @Field(() => Int, { nullable: true }) windowId?: number | null;
  @Field(() => String, { nullable: true }) windowNo?: string | null;
  @Field(() => Int, { nullable: true }) terminalId?: number | null;
  @Field(() => String, { nullable: true, description: 'Terminal number, shown on self-service terminals (R7)' }) terminalNo?: string | null;
  @Field(() => GraphQLISODateTime) presentedAt!: Date;
  @Field(() => GraphQLISODateTime, { description: 'After this the device returns to idle and no longer replays it' }) expiresAt!: Date;
}

@ObjectType({ description: 'A self-service terminal, for its idle screen (R7)' })
export class TerminalView {
  @Field(() => Int) id!: number;
  @Field(() => String) no!: string;
  @Field(() => String) name!: string;
  @Field(() => String) hallName!: string;
}
