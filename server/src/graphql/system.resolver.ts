import { Authorized, Ctx, Field, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../common/context.js';
import type { Database, Em } from '../db/orm.js';
import { MetaSchema } from '../db/meta.entity.js';

@ObjectType()
export class SystemInfo {
  @Field(() => String) product!: string;
  @Field(() => String) version!: string;
  @Field(() => Boolean, { description: 'True when the data is the invented demo city (演示数据)' }) demo!: boolean;
  @Field(() => String) database!: string;
  @Field(() => String, { nullable: true, description: 'Name of the demo city or installation' }) siteName?: string | null;
}

@Resolver()
export class SystemResolver {
  @Authorized('public')
  @Query(() => SystemInfo)
  async systemInfo(@Ctx() { app }: Context<Database>): Promise<SystemInfo> {
    const meta = await (app.orm.em.fork() as Em).find(MetaSchema, {});
    const get = (key: string) => meta.find((m) => m.key === key)?.value ?? null;
    return { product: 'haochaping 好差评', version: '0.1.0', demo: get('demo') === 'true', database: app.dialect, siteName: get('siteName') };
  }
}
