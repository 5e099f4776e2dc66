import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { Context } from '../common/context.js';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors.js';
import type { Em } from '../db/orm.js';
import { DepartmentSchema, HallSchema, RegionSchema, ServiceWindowSchema, StaffSchema } from './catalog.entities.js';
import type { CatalogDeps } from './catalog.service.js';
import { DepartmentView, RegionView, TagView, WindowView } from './catalog.types.js';

@Resolver()
export class CatalogResolver {
  @Authorized('public')
  @Query(() => [RegionView], { description: 'Regions under a parent (the top level when no parent is given)' })
  async regions(@Arg('parentCode', () => String, { nullable: true }) parentCode: string | null, @Ctx() { app }: Context<CatalogDeps>): Promise<RegionView[]> {
    return (app.orm.em.fork() as Em).find(RegionSchema, { parentCode: parentCode ?? null }, { orderBy: { code: 'asc' } });
  }

  @Authorized('public')
  @Query(() => [DepartmentView], { description: 'Departments of a region (exactly that region), by name' })
  async departments(
    @Arg('regionCode', () => String) regionCode: string,
    @Arg('limit', () => Int, { defaultValue: 100 }) limit: number,
    @Ctx() { app }: Context<CatalogDeps>,
  ): Promise<DepartmentView[]> {
    if (limit < 1 || limit > 1000) throw InvalidInputError.field('limit', 'an integer 1–1000', limit);
    return (app.orm.em.fork() as Em).find(DepartmentSchema, { regionCode }, { orderBy: { id: 'asc' }, limit });
  }

  @Authorized('public')
  @Query(() => [TagView], { description: 'Current national tags, optionally for one level' })
  async tags(@Arg('level', () => Int, { nullable: true }) level: number | null, @Ctx() { app }: Context<CatalogDeps>): Promise<TagView[]> {
    const all = [...(await app.tags.byCode()).values()].filter((t) => t.active && (level == null || t.level === level));
    return all.sort((a, b) => b.level - a.level || a.code.localeCompare(b.code));
  }

  @Authorized('device', 'department', 'supervisor', 'admin')
  @Query(() => WindowView, { description: "A window and its staff, for the window evaluator's idle screen (R7)" })
  async window(@Arg('id', () => Int) id: number, @Ctx() { app, actor }: Context<CatalogDeps>): Promise<WindowView> {
    // A device sees only its own window: staff names are shown at the counter, not to other devices.
    if (actor.role === 'device' && actor.windowId !== id) throw ForbiddenError.scope(`window ${id}`);
    const em = app.orm.em.fork() as Em;
    const window = await em.findOne(ServiceWindowSchema, { id });
    if (!window) throw NotFoundError.of('window', String(id));
    const [hall, staff] = await Promise.all([
      em.findOneOrFail(HallSchema, { id: window.hallId }),
      em.find(StaffSchema, { windowId: id }, { orderBy: { workNo: 'asc' } }),
    ]);
    return { id, no: window.no, name: window.name, hallName: hall.name, staff };
  }
}
