import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A region of the four-level hierarchy (R4)' })
export class RegionView {
  @Field(() => String, { description: '12-digit 行政区划代码' }) code!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'PROVINCE, CITY, DISTRICT, TOWNSHIP or VILLAGE' }) level!: string;
  @Field(() => String, { nullable: true }) parentCode?: string | null;
}

@ObjectType()
export class DepartmentView {
  @Field(() => Int) id!: number;
  @Field(() => String) name!: string;
  @Field(() => String, { description: '统一社会信用代码' }) creditCode!: string;
  @Field(() => String) regionCode!: string;
  @Field(() => Int, { nullable: true }) parentId?: number | null;
}

@ObjectType({ description: "A window evaluator's idle screen: its window and the staff serving there (R7)" })
export class WindowView {
  @Field(() => Int) id!: number;
  @Field(() => String) no!: string;
  @Field(() => String) name!: string;
  @Field(() => String) hallName!: string;
  @Field(() => [StaffView]) staff!: StaffView[];
}

@ObjectType()
export class StaffView {
  @Field(() => Int) id!: number;
  @Field(() => String, { description: '工号' }) workNo!: string;
  @Field(() => String) name!: string;
}

@ObjectType({ description: 'A tag of the national dictionary' })
export class TagView {
  @Field(() => String) code!: string;
  @Field(() => Int) level!: number;
  @Field(() => String) name!: string;
  @Field(() => String) nameEn!: string;
}
