import { Field, GraphQLISODateTime, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { RecordValueScalar, type RecordValue } from '../common/record-value.js';

@InputType({ description: 'One participating department and item of a joint (联办) or theme (主题式) case' })
export class UnitInput {
  @Field(() => String, { description: '受理部门统一社会信用代码 (18 characters)' }) deptCode!: string;
  @Field(() => String, { description: '实施编码' }) taskCode!: string;
}

@InputType({ description: 'A service record as a department system pushes it (field names of the provincial interface)' })
export class RegisterServiceInput {
  @Field(() => String, { description: '办件编号' }) projectNo!: string;
  @Field(() => Int, { description: 'Which service node of the case; (projectNo, serviceNumber) is unique' }) serviceNumber!: number;
  @Field(() => String, { description: 'Node name' }) serviceName!: string;
  @Field(() => String, { description: '实施编码 of the item' }) taskCode!: string;
  @Field(() => String, { description: '18-character unified social credit code of the accepting department' }) deptCode!: string;
  @Field(() => String, { nullable: true, description: "12-digit region code; defaults to the department's" }) areaCode?: string;
  @Field(() => Int, { description: '1 awaiting / 2 accepted / 3 completed' }) proStatus!: number;
  @Field(() => GraphQLISODateTime, { nullable: true }) acceptDate?: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Completion time; the rating window and R11 count from it' }) resultDate?: Date;
  @Field(() => String, { nullable: true, description: 'ORDINARY (default), BATCH, JOINT, THEME or CONSULTATION' }) caseKind?: string;
  @Field(() => String, { nullable: true, description: 'Batch number grouping the cases of one 批量办件' }) batchNo?: string;
  @Field(() => [UnitInput], { nullable: true, description: 'Further departments/items of a joint or theme case' }) units?: UnitInput[];
  @Field(() => String, { description: 'Applicant name (stored encrypted, R12)' }) userName!: string;
  @Field(() => Int, { nullable: true, description: '1 自然人 2 企业法人 3 事业法人 4 社会组织法人 5 非法人企业 6 行政机关 9 其他' }) userProp?: number;
  @Field(() => String, { nullable: true, description: 'Applicant ID number (stored encrypted)' }) certKey?: string;
  @Field(() => String, { nullable: true, description: 'Applicant mobile (stored encrypted)' }) mobile?: string;
  @Field(() => Int, { description: '1 online / 2 offline' }) proChannel!: number;
  @Field(() => Int, { nullable: true }) windowId?: number;
  @Field(() => Int, { nullable: true }) terminalId?: number;
  @Field(() => String, { nullable: true, description: '工号 of the staff member who served' }) staffNo?: string;
  @Field(() => String, {
    nullable: true,
    description: '业务办理项编码 as the sender has it: compared with the catalog (a mismatch is a quality finding, R25), not stored',
  })
  taskHandleItem?: string;
  @Field(() => String, { nullable: true, description: 'Item name as the sender has it: compared with the catalog (R25), not stored' }) taskName?: string;
  @Field(() => String, { nullable: true, description: 'Department name as the sender has it: compared with the catalog (R25), not stored' }) deptName?: string;
}

const CHECKED = ' (checked per record: a record with a missing or wrongly typed field is refused on its own, R8)';
const V = () => RecordValueScalar;

@InputType({ description: `A participating department and item of a joint or theme case in a batch record${CHECKED}` })
export class UnitRecordInput {
  @Field(V, { nullable: true, description: 'Required string: 受理部门统一社会信用代码 (18 characters)' }) deptCode?: RecordValue;
  @Field(V, { nullable: true, description: 'Required string: 实施编码' }) taskCode?: RecordValue;
}

@InputType({
  description: `One service record of registerServices: the fields of RegisterServiceInput, with the same types and meaning${CHECKED}`,
})
export class ServiceRecordInput {
  @Field(V, { nullable: true, description: 'Required string: 办件编号' }) projectNo?: RecordValue;
  @Field(V, { nullable: true, description: 'Required integer: which service node of the case' }) serviceNumber?: RecordValue;
  @Field(V, { nullable: true, description: 'Required string: node name' }) serviceName?: RecordValue;
  @Field(V, { nullable: true, description: 'Required string: 实施编码 of the item' }) taskCode?: RecordValue;
  @Field(V, { nullable: true, description: 'Required string: credit code of the accepting department' }) deptCode?: RecordValue;
  @Field(V, { nullable: true, description: 'String: 12-digit region code' }) areaCode?: RecordValue;
  @Field(V, { nullable: true, description: 'Required integer: 1 awaiting / 2 accepted / 3 completed' }) proStatus?: RecordValue;
  @Field(V, { nullable: true, description: 'ISO 8601 date-time' }) acceptDate?: RecordValue;
  @Field(V, { nullable: true, description: 'ISO 8601 date-time: completion' }) resultDate?: RecordValue;
  @Field(V, { nullable: true, description: 'String: ORDINARY, BATCH, JOINT, THEME or CONSULTATION' }) caseKind?: RecordValue;
  @Field(V, { nullable: true, description: 'String: batch number of a 批量办件' }) batchNo?: RecordValue;
  @Field(() => [UnitRecordInput], { nullable: true }) units?: UnitRecordInput[];
  @Field(V, { nullable: true, description: 'Required string: applicant name (stored encrypted, R12)' }) userName?: RecordValue;
  @Field(V, { nullable: true, description: 'Integer: applicant kind (userProp)' }) userProp?: RecordValue;
  @Field(V, { nullable: true, description: 'String: applicant ID number' }) certKey?: RecordValue;
  @Field(V, { nullable: true, description: 'String: applicant mobile' }) mobile?: RecordValue;
  @Field(V, { nullable: true, description: 'Required integer: 1 online / 2 offline' }) proChannel?: RecordValue;
  @Field(V, { nullable: true, description: 'Integer: our window id' }) windowId?: RecordValue;
  @Field(V, { nullable: true, description: 'Integer: our terminal id' }) terminalId?: RecordValue;
  @Field(V, { nullable: true, description: 'String: 工号 of the staff member who served' }) staffNo?: RecordValue;
  @Field(V, { nullable: true, description: 'String: 业务办理项编码 as the sender has it (R25)' }) taskHandleItem?: RecordValue;
  @Field(V, { nullable: true, description: 'String: item name as the sender has it (R25)' }) taskName?: RecordValue;
  @Field(V, { nullable: true, description: 'String: department name as the sender has it (R25)' }) deptName?: RecordValue;
}

@ObjectType({ description: 'One rateable service node of a case (R9)' })
export class ServiceView {
  @Field(() => Int) id!: number;
  @Field(() => String) projectNo!: string;
  @Field(() => Int) serviceNumber!: number;
  @Field(() => String) nodeName!: string;
  @Field(() => String) caseKind!: string;
  @Field(() => String) itemName!: string;
  @Field(() => String) taskCode!: string;
  @Field(() => String) departmentName!: string;
  @Field(() => String, { nullable: true, description: '工号 (R7)' }) staffWorkNo?: string | null;
  @Field(() => String, { nullable: true, description: 'Staff name, shown on window evaluators (R7)' }) staffName?: string | null;
  @Field(() => String, { nullable: true }) windowNo?: string | null;
  @Field(() => String, { nullable: true }) terminalNo?: string | null;
  @Field(() => Int) proStatus!: number;
  @Field(() => GraphQLISODateTime, { nullable: true }) completedAt?: Date | null;
  @Field(() => Boolean) rated!: boolean;
}

@ObjectType()
export class RatingTokenView {
  @Field(() => String, { description: 'Signed single-use token bound to the service (R7)' }) token!: string;
  @Field(() => String, { description: 'Path of the rating page to encode in the receipt QR code' }) path!: string;
  @Field(() => String, {
    nullable: true,
    description: 'Path of the receipt QR code image (SVG) of a rating link, e.g. for a window evaluator (R7); null for a follow-up link',
  })
  qrPath?: string | null;
  @Field(() => GraphQLISODateTime) expiresAt!: Date;
}

@ObjectType({ description: 'Demo only (演示数据): an invented service and its receipt rating token, for the home page\'s "try a rating"' })
export class DemoRatingTicket {
  @Field(() => String, { description: '办件编号 of the invented service (DEMO-…)' }) projectNo!: string;
  @Field(() => Int) serviceNumber!: number;
  @Field(() => String) itemName!: string;
  @Field(() => String) departmentName!: string;
  @Field(() => String, { description: 'Signed single-use rating token bound to the service (R7)' }) token!: string;
  @Field(() => String, { description: 'Path of the rating page, as the receipt QR code carries it' }) path!: string;
  @Field(() => GraphQLISODateTime) expiresAt!: Date;
}

export enum BatchStatusEnum {
  CREATED = 'CREATED',
  UNCHANGED = 'UNCHANGED',
  UPDATED = 'UPDATED',
  REFUSED = 'REFUSED',
}
registerEnumType(BatchStatusEnum, {
  name: 'BatchStatus',
  description:
    'What one record of a batch did: CREATED (stored now), UNCHANGED (already there: a resend), UPDATED (status advanced), REFUSED (see code and message)',
});

@ObjectType({ description: 'The answer for one record of a batch (registerServices, submitEvaluations, POST /api/v1/…), in batch order (R8)' })
export class BatchRecordResult {
  @Field(() => Int, { description: 'Position of the record in the batch (0-based)' }) index!: number;
  @Field(() => BatchStatusEnum) status!: BatchStatusEnum;
  @Field(() => String, { nullable: true, description: 'For REFUSED: the error code (BAD_USER_INPUT, NOT_FOUND, CONFLICT, ALREADY_RATED, FORBIDDEN, …)' })
  code?: string | null;
  @Field(() => String, { nullable: true, description: 'For REFUSED: why' }) message?: string | null;
  @Field(() => Int, { nullable: true, description: 'Our id of the stored service or rating' }) id?: number | null;
  @Field(() => String, { nullable: true }) projectNo?: string | null;
  @Field(() => Int, { nullable: true }) serviceNumber?: number | null;
}
