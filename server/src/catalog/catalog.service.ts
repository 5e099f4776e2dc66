import type { App } from '../app.js';
import type { Em } from '../db/orm.js';
import type { TagInfo } from '../rating/rating.logic.js';
import { TagSchema, type Tag } from './catalog.entities.js';
import { NATIONAL_TAGS, TAG_DICTIONARY_VERSION, RETIRED_TAGS } from './tags.data.js';

const tagCache = new WeakMap<App, Promise<Map<string, Tag>>>();

/** Every tag, current and retired, by code; read once per process (it changes only with a seeder). */
export function tagDictionary(app: App): Promise<Map<string, Tag>> {
  let cached = tagCache.get(app);
  if (!cached) {
    cached = app.orm.em.fork().find(TagSchema, {}).then((rows) => new Map(rows.map((t) => [t.code, t])));
    tagCache.set(app, cached);
  }
  return cached;
}

/** The tags a new rating may carry: the current version of the national dictionary. */
export async function activeTags(app: App): Promise<Map<string, TagInfo>> {
  const all = await tagDictionary(app);
  let active = activeCache.get(all);
  if (!active) {
    active = new Map([...all.values()].filter((t) => t.active).map((t) => [t.code, { code: t.code, level: t.level }]));
    activeCache.set(all, active);
  }
  return active;
}
/** Keyed by the dictionary map itself, so a reloaded dictionary gets a fresh active set. */
const activeCache = new WeakMap<Map<string, Tag>, Map<string, TagInfo>>();

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
