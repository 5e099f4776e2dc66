import { Field, GraphQLISODateTime, InputType, Int, ObjectType } from 'type-graphql';

@InputType({ description: 'Which quality findings (数据质检, R25) to read; all within the caller’s scope when empty' })
export class QualityFindingFilter {
  @Field(() => Int, { nullable: true }) departmentId?: number | null;
  @Field(() => String, { nullable: true, description: 'One of the kinds (ITEM_CODE_UNKNOWN, HANDLE_ITEM_MISMATCH, …)' }) kind?: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'From this time on (inclusive)' }) from?: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Before this time (exclusive)' }) to?: Date | null;
}

@ObjectType({ description: 'One disagreement between a department system’s record and the catalog or itself (数据质检, R25)' })
export class QualityFindingView {
  @Field(() => Int) id!: number;
  @Field(() => String) kind!: string;
  @Field(() => Int, { nullable: true }) departmentId?: number | null;
  @Field(() => String, { description: '办件编号#服务序号 of the record' }) recordKey!: string;
  @Field(() => String, { description: 'The field of the record (interface field name)' }) field!: string;
  @Field(() => String, { nullable: true, description: 'What the record said (codes only; never personal data)' }) givenValue?: string | null;
  @Field(() => String, { nullable: true, description: 'What the catalog says' }) expected?: string | null;
  @Field(() => String) message!: string;
  @Field(() => String, { nullable: true, description: 'The error code the record was refused with; null when it was accepted' }) refused?: string | null;
  @Field(() => String, { description: 'service or rating' }) source!: string;
  @Field(() => String, { description: 'The sender (API key label)' }) sender!: string;
  @Field(() => GraphQLISODateTime) at!: Date;
}

@ObjectType()
export class QualityFindingPage {
  @Field(() => [QualityFindingView]) nodes!: QualityFindingView[];
  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page' }) endCursor?: string | null;
  @Field(() => Boolean) hasNextPage!: boolean;
}

@ObjectType({ description: 'How many findings of a kind a department has' })
export class QualityFindingCount {
  @Field(() => Int, { nullable: true }) departmentId?: number | null;
  @Field(() => String, { nullable: true }) departmentName?: string | null;
  @Field(() => String) kind!: string;
  @Field(() => Int) count!: number;
}
