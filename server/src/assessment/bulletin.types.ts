import { Field, GraphQLISODateTime, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A bulletin (通报) of a region for a month or quarter; content is its JSON (docs/assessment.md, free of personal data)' })
export class BulletinView {
  @Field(() => Int) id!: number;
  @Field(() => String) regionCode!: string;
  @Field(() => String, { description: 'YYYY-MM or YYYY-Qn' }) period!: string;
  @Field(() => String, { description: 'DRAFT or APPROVED (published)' }) status!: string;
  @Field(() => String) title!: string;
  @Field(() => String, { description: 'The bulletin as JSON: headline, ranking, badTags, overdue, problems, cases' }) content!: string;
  @Field(() => GraphQLISODateTime) generatedAt!: Date;
  @Field(() => String, { nullable: true, description: 'Who approved it (not on the public list)' }) approvedBy!: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) approvedAt!: Date | null;
}
