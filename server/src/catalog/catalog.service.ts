import type { Database, Em, Orm } from '../db/orm.js';
import { TagSchema, type Tag } from './catalog.entities.js';
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
