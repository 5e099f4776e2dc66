import { request } from '../api/http.js';
import { ops } from '../api/operations.js';
import type { Tag } from '../api/types.js';

const cache = new Map<number, Promise<Tag[]>>();

/** The national tags for one level, fetched once per page (a failed fetch is retried next time). */
export function tagsForLevel(level: number): Promise<Tag[]> {
  let hit = cache.get(level);
  if (!hit) {
    hit = request<{ tags: Tag[] }>(ops.tagsForLevel, { level }).then((r) => {
      if (!r.data) throw new Error(r.errors?.[0]?.message ?? 'no tags');
      return r.data.tags;
    });
    hit.catch(() => cache.delete(level));
    cache.set(level, hit);
  }
  return hit;
}
