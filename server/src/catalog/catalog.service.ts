import type { Database, Em, Orm } from '../db/orm.js';
import type { FilterQuery } from '@mikro-orm/core';
import type { Actor } from '../common/actor.js';
import { InvalidInputError, NotFoundError } from '../common/errors.js';
import { DepartmentSchema, ItemSchema, TagSchema, type Item, type Tag } from './catalog.entities.js';
import { NATIONAL_TAGS, TAG_DICTIONARY_VERSION, RETIRED_TAGS } from './tags.data.js';

/** A tag a new rating may carry, with the levels it belongs to (R6). */
export interface TagInfo {
  code: string;
  level: number;
}

/**
 * The tag dictionary, read once per process (it changes only with a seeder). Built by the composition
 * root and handed to the features that read tags.
 */
export class TagDictionary {
  private all?: Promise<Map<string, Tag>>;
  private active?: Promise<Map<string, TagInfo>>;

  constructor(private readonly orm: Orm) {}

  /** Every tag, current and retired, by code. */
  byCode(): Promise<Map<string, Tag>> {
    this.all ??= this.orm.em
      .fork()
      .find(TagSchema, {})
      .then((rows) => new Map(rows.map((t) => [t.code, t])));
    return this.all;
  }

  /** The tags a new rating may carry: the current version of the national dictionary. */
  current(): Promise<Map<string, TagInfo>> {
    this.active ??= this.byCode().then((all) => new Map([...all.values()].filter((t) => t.active).map((t) => [t.code, { code: t.code, level: t.level }])));
    return this.active;
  }
}

/** What the catalog's queries need. */
export interface CatalogDeps extends Database {
  readonly tags: TagDictionary;
}

/** Loads the national dictionary (and the retired set, inactive) when the tag table is empty. */
export async function ensureTagDictionary(em: Em): Promise<void> {
  if ((await em.count(TagSchema, {})) > 0) return;
  for (const t of NATIONAL_TAGS) {
    em.create(TagSchema, { version: TAG_DICTIONARY_VERSION, code: t.code, level: t.level, name: t.name, nameEn: t.nameEn, active: true });
  }
  for (const t of RETIRED_TAGS) {
    em.create(TagSchema, { version: t.version, code: t.code, level: t.level, name: t.name, nameEn: t.nameEn, active: false });
  }
  await em.flush();
}

/** Items a page of `items` returns at most. */
export const ITEMS_PAGE_MAX = 200;

export interface ItemPageArgs {
  departmentId: number | null;
  search: string | null;
  first: number;
  after: string | null;
}

/**
 * The item catalog (事项, R25) for integrators, by id, a page at a time. Public data (the catalog is
 * published); a department system that names no department gets its own department and sub-units.
 * `search` matches a part of the name or the start of the 实施编码 / 业务办理项编码.
 */
export async function listItems(app: Database, actor: Actor, args: ItemPageArgs): Promise<{ items: Item[]; endCursor: string | null; hasNextPage: boolean }> {
  if (!Number.isInteger(args.first) || args.first < 1 || args.first > ITEMS_PAGE_MAX) {
    throw InvalidInputError.field('first', `an integer 1–${ITEMS_PAGE_MAX}`, args.first);
  }
  const afterId = args.after === null ? 0 : cursorId(args.after);
  const em = app.orm.em.fork() as Em;
  const where: FilterQuery<Item> = { id: { $gt: afterId } };
  const rootId = args.departmentId ?? (actor.role === 'system' ? (actor.departmentId ?? null) : null);
  if (rootId !== null) {
    const root = await em.findOne(DepartmentSchema, { id: rootId });
    if (!root) throw NotFoundError.of('department', String(rootId));
    const depts = await em.find(DepartmentSchema, { path: { $like: `${likeEscaped(root.path)}%` } }, { fields: ['id'] });
    where.departmentId = { $in: depts.map((d) => d.id) };
  }
  const search = args.search?.trim();
  if (search) {
    if (search.length > 100) throw InvalidInputError.field('search', 'at most 100 characters', search);
    const text = likeEscaped(search);
    if (text) where.$or = [{ name: { $like: `%${text}%` } }, { taskCode: { $like: `${text}%` } }, { handleItemCode: { $like: `${text}%` } }];
  }
  const rows = await em.find(ItemSchema, where, { orderBy: { id: 'asc' }, limit: args.first + 1 });
  const items = rows.slice(0, args.first);
  return { items, endCursor: items.length ? itemCursor(items[items.length - 1]!.id) : null, hasNextPage: rows.length > args.first };
}

function itemCursor(id: number): string {
  return Buffer.from(`item:${id}`).toString('base64url');
}

function cursorId(cursor: string): number {
  const match = /^item:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw InvalidInputError.field('after', 'the endCursor of an earlier page', cursor);
  return Number(match[1]);
}

/** LIKE wildcards typed by the caller are dropped (SQLite has no default escape character; names and codes hold none). */
function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, '');
}

/**
 * Departments `c` located in the region given as the one parameter, at the top there: without a parent,
 * or with their parent in another region (a district office of a city bureau). Sub-units in the same
 * region are inside their parent's figures, so breakdowns, rankings and peer groups take only these.
 */
export const TOP_DEPARTMENTS_OF_REGION = `c.region_code = ? and (c.parent_id is null or not exists (
  select 1 from department p where p.id = c.parent_id and p.region_code = c.region_code))`;

/** The top departments of a region (TOP_DEPARTMENTS_OF_REGION); `exceptId` leaves one out (the unit compared). */
export async function topDepartmentsOf(
  em: Em,
  regionCode: string,
  exceptId: number | null = null,
): Promise<Array<{ id: number; name: string; path: string; region_code: string }>> {
  return em.execute(
    `select c.id, c.name, c.path, c.region_code from department c where ${TOP_DEPARTMENTS_OF_REGION}${exceptId === null ? '' : ' and c.id <> ?'}`,
    exceptId === null ? [regionCode] : [regionCode, exceptId],
  );
}
