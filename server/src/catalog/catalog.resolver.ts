import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { Context } from '../common/context.js';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors.js';
import type { Em } from '../db/orm.js';
import { DepartmentSchema, HallSchema, RegionSchema, ServiceWindowSchema, StaffSchema } from './catalog.entities.js';
import { isValidRegionCode, isWithinRegion } from './region.logic.js';
import { listItems, ITEMS_PAGE_MAX, type CatalogDeps } from './catalog.service.js';
import { DepartmentView, HallView, HallWindowView, ItemPage, RegionView, TagView, WindowView } from './catalog.types.js';

@Resolver()
export class CatalogResolver {
  @Authorized('public')
  @Query(() => [RegionView], { description: 'Regions under a parent (the top level when no parent is given)' })
  async regions(@Arg('parentCode', () => String, { nullable: true }) parentCode: string | null, @Ctx() { app }: Context<CatalogDeps>): Promise<RegionView[]> {
    // An omitted argument arrives as undefined: only a given code is checked.
    if (parentCode != null && !isValidRegionCode(parentCode)) throw InvalidInputError.field('parentCode', 'a 12-digit region code', parentCode);
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

  @Authorized('public')
  @Query(() => ItemPage, {
    description: `Service items (事项) for integrators (R25): 实施编码, 业务办理项编码, name, type; by id, at most ${ITEMS_PAGE_MAX} a page. Public catalog data; a department system that names no department gets its own department and sub-units. search: part of the name, or the start of a code`,
  })
  async items(
    @Arg('departmentId', () => Int, { nullable: true }) departmentId: number | null,
    @Arg('search', () => String, { nullable: true }) search: string | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() { app, actor }: Context<CatalogDeps>,
  ): Promise<ItemPage> {
    const page = await listItems(app, actor, { departmentId: departmentId ?? null, search: search ?? null, first, after: after ?? null });
    return { ...page, items: page.items.map((i) => ({ ...i, handleItemCode: i.handleItemCode || null })) };
  }

  @Authorized('public')
  @Query(() => [HallView], { description: 'Service halls, optionally those within a region (6, 9 or 12 digits); public catalog data' })
  async halls(@Arg('regionCode', () => String, { nullable: true }) regionCode: string | null, @Ctx() { app }: Context<CatalogDeps>): Promise<HallView[]> {
    const region = regionCode ? regionCode.padEnd(12, '0') : null;
    if (region !== null && !isValidRegionCode(region)) throw InvalidInputError.field('regionCode', 'a region code of 6, 9 or 12 digits', regionCode);
    const halls = await (app.orm.em.fork() as Em).find(HallSchema, {}, { orderBy: { id: 'asc' } });
    return region ? halls.filter((h) => isWithinRegion(h.regionCode, region)) : halls;
  }

  @Authorized('public')
  @Query(() => [HallWindowView], { description: 'The windows of a hall (ids for windowId of a service record); public catalog data, no staff' })
  async windows(@Arg('hallId', () => Int) hallId: number, @Ctx() { app }: Context<CatalogDeps>): Promise<HallWindowView[]> {
    const em = app.orm.em.fork() as Em;
    if (!(await em.findOne(HallSchema, { id: hallId }))) throw NotFoundError.of('hall', String(hallId));
    return em.find(ServiceWindowSchema, { hallId }, { orderBy: { no: 'asc' } });
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
