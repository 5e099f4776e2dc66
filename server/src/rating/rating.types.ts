import { Field, GraphQLISODateTime, InputType, Int, ObjectType } from 'type-graphql';
import { TagView } from '../catalog/catalog.types.js';
import { RecordValueScalar, type RecordValue } from '../common/record-value.js';

const SUBMISSION_ID =
  "The client's key for this answer (8–64 of A–Z a–z 0–9 _ -, e.g. a UUID; department systems send their own id of the record): made once per answer and sent again with every resend of it. The same key again returns the stored rating and never stores a second one; the same key with another answer is refused (CONFLICT)";

@InputType({ description: 'A level for one of the seven dimensions (R3)' })
export class DimensionInput {
  @Field(() => String, { description: 'commitment, attitude, materials, efficiency, trips, mechanism or integrity' }) key!: string;
  @Field(() => Int) level!: number;
}

@InputType({ description: 'A rating (R2, R3, R9). The service is named by the token, or by projectNo + serviceNumber for devices and systems.' })
export class SubmitEvaluationInput {
  @Field(() => String, { nullable: true, description: 'Rating token from the receipt QR code (R7)' }) token?: string;
  @Field(() => String, { nullable: true }) projectNo?: string;
  @Field(() => Int, { nullable: true }) serviceNumber?: number;
  @Field(() => Int, { description: '5 非常满意 · 4 满意 · 3 基本满意 · 2 不满意 · 1 非常不满意' }) level!: number;
  @Field(() => [DimensionInput], { nullable: true }) dimensions?: DimensionInput[];
  @Field(() => [String], { nullable: true, description: 'Tag codes of the national dictionary, for the chosen level' }) tags?: string[];
  @Field(() => String, { nullable: true }) comment?: string;
  @Field(() => String, { nullable: true, description: 'PC, APP, MINI_PROGRAM, QR, WINDOW, TERMINAL, HOTLINE, SMS or IMPORT' }) channel?: string;
  @Field(() => String, { nullable: true, description: 'Rater name when not the applicant (stored encrypted, R12)' }) raterName?: string;
  @Field(() => String, { nullable: true, description: 'Rater mobile when not the applicant (stored encrypted, R12)' }) raterMobile?: string;
  @Field(() => String, { nullable: true, description: SUBMISSION_ID }) submissionId?: string;
  @Field(() => String, {
    nullable: true,
    description:
      "Department systems and devices: the rating's own id in the system where it was collected (1–64 of A–Z a–z 0–9 _ . : -), unique per sending key; the same id again returns the stored rating (UNCHANGED in a batch), with another answer it is CONFLICT",
  })
  externalId?: string;
}

const CHECKED = ' (checked per record: a record with a missing or wrongly typed field is refused on its own, R8)';
const V = () => RecordValueScalar;

@InputType({ description: `A dimension level in a batch record${CHECKED}` })
export class DimensionRecordInput {
  @Field(V, { nullable: true, description: 'Required string: commitment, attitude, materials, efficiency, trips, mechanism or integrity' }) key?: RecordValue;
  @Field(V, { nullable: true, description: 'Required integer 1–5' }) level?: RecordValue;
}

@InputType({ description: `One rating of submitEvaluations: the fields of SubmitEvaluationInput, with the same types and meaning${CHECKED}` })
export class EvaluationRecordInput {
  @Field(V, { nullable: true, description: 'String: rating token from the receipt QR code (R7)' }) token?: RecordValue;
  @Field(V, { nullable: true, description: 'String: 办件编号' }) projectNo?: RecordValue;
  @Field(V, { nullable: true, description: 'Integer: service node' }) serviceNumber?: RecordValue;
  @Field(V, { nullable: true, description: 'Required integer: 5 非常满意 · 4 满意 · 3 基本满意 · 2 不满意 · 1 非常不满意' }) level?: RecordValue;
  @Field(() => [DimensionRecordInput], { nullable: true }) dimensions?: DimensionRecordInput[];
  @Field(() => [RecordValueScalar], { nullable: true, description: 'Strings: tag codes for the chosen level' }) tags?: RecordValue[];
  @Field(V, { nullable: true, description: 'String: comment' }) comment?: RecordValue;
  @Field(V, { nullable: true, description: 'String: PC, APP, MINI_PROGRAM, QR, WINDOW, TERMINAL, HOTLINE, SMS or IMPORT' }) channel?: RecordValue;
  @Field(V, { nullable: true, description: 'String: rater name when not the applicant (stored encrypted, R12)' }) raterName?: RecordValue;
  @Field(V, { nullable: true, description: 'String: rater mobile when not the applicant (stored encrypted, R12)' }) raterMobile?: RecordValue;
  @Field(V, { nullable: true, description: "String: the sender's key for this answer (see SubmitEvaluationInput.submissionId)" }) submissionId?: RecordValue;
  @Field(V, { nullable: true, description: "String: the rating's own id in the sending system (see SubmitEvaluationInput.externalId)" })
  externalId?: RecordValue;
}

@InputType({
  description:
    'A follow-up rating (追评, R9), where FOLLOW_UP_DAYS allows one: the rater with the follow-up token given with the first rating, or a device or system key naming the service',
})
export class SubmitFollowUpInput {
  @Field(() => String, { nullable: true, description: 'Follow-up token (RatingView.followUpToken, or issueFollowUpToken)' }) token?: string;
  @Field(() => String, { nullable: true }) projectNo?: string;
  @Field(() => Int, { nullable: true }) serviceNumber?: number;
  @Field(() => Int, { description: '5 非常满意 · 4 满意 · 3 基本满意 · 2 不满意 · 1 非常不满意' }) level!: number;
  @Field(() => [DimensionInput], { nullable: true }) dimensions?: DimensionInput[];
  @Field(() => [String], { nullable: true, description: 'Tag codes of the national dictionary, for the chosen level' }) tags?: string[];
  @Field(() => String, { nullable: true }) comment?: string;
  @Field(() => String, { nullable: true, description: 'PC, APP, MINI_PROGRAM, QR, WINDOW, TERMINAL, HOTLINE, SMS or IMPORT' }) channel?: string;
  @Field(() => String, { nullable: true, description: SUBMISSION_ID }) submissionId?: string;
}

@ObjectType()
export class DimensionView {
  @Field(() => String) key!: string;
  @Field(() => Int) level!: number;
}

@ObjectType({ description: 'A rating as stored; the rater is masked, and hidden from the rated department (R12)' })
export class RatingView {
  @Field(() => Int) id!: number;
  @Field(() => String) projectNo!: string;
  @Field(() => Int) serviceNumber!: number;
  @Field(() => Int, { description: '1 first rating, 2 follow-up (追评)' }) assessNumber!: number;
  @Field(() => Int) level!: number;
  @Field(() => String) levelName!: string;
  @Field(() => [DimensionView]) dimensions!: DimensionView[];
  @Field(() => [TagView]) tags!: TagView[];
  @Field(() => String, { nullable: true }) comment?: string | null;
  @Field(() => String) channel!: string;
  @Field(() => Int, { description: 'Channel code of the provincial interface' }) pf!: number;
  @Field(() => Boolean, { description: 'Recorded by R11 (not rated within the window)' }) isDefault!: boolean;
  @Field(() => Boolean, { description: 'False once invalidated by an upheld appeal (R18)' }) valid!: boolean;
  @Field(() => String, { nullable: true, description: 'Masked (张*三); null for the rated department (R12)' }) raterName?: string | null;
  @Field(() => String, { nullable: true, description: 'Masked (138****1234); null for the rated department (R12)' }) raterMobile?: string | null;
  @Field(() => GraphQLISODateTime) ratedAt!: Date;
  @Field(() => String, {
    nullable: true,
    description:
      "The rater's own link to one follow-up rating (追评, R9; submitFollowUp's token): only in the answer to a first rating given with a rating token while FOLLOW_UP_DAYS allows follow-ups",
  })
  followUpToken?: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Until when followUpToken is accepted' }) followUpUntil?: Date | null;
}
