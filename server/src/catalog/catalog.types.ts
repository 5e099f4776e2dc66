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

@ObjectType({ description: 'A service item (事项) of the catalog, by the codes department systems send (R25)' })
export class ItemView {
  @Field(() => Int) id!: number;
  @Field(() => String, { description: '实施编码 (taskCode of a service record)' }) taskCode!: string;
  @Field(() => String, { nullable: true, description: '业务办理项编码, when the catalog has one' }) handleItemCode?: string | null;
  @Field(() => String) name!: string;
  @Field(() => String, { description: '事项类型 (GB/T 39046: 01 行政许可 … 20 公共服务)' }) itemType!: string;
  @Field(() => Int) departmentId!: number;
}

@ObjectType({ description: 'A page of items, in id order; pass endCursor as `after` for the next page' })
export class ItemPage {
  @Field(() => [ItemView]) items!: ItemView[];
  @Field(() => String, { nullable: true }) endCursor?: string | null;
  @Field(() => Boolean) hasNextPage!: boolean;
}

@ObjectType({ description: 'A service hall (政务服务大厅)' })
export class HallView {
  @Field(() => Int) id!: number;
  @Field(() => String) name!: string;
  @Field(() => String) regionCode!: string;
}

@ObjectType({ description: 'A window of a hall, by the ids department systems send as windowId (R7)' })
export class HallWindowView {
  @Field(() => Int) id!: number;
  @Field(() => Int) hallId!: number;
  @Field(() => String) no!: string;
  @Field(() => String) name!: string;
  @Field(() => Int, { nullable: true }) departmentId?: number | null;
}
