import { request } from '../api/http.js';
import { ops } from '../api/operations.js';
import type { Tag } from '../api/types.js';

const cache = new Map<number, Promise<Tag[]>>();

/**
 * The national tags for one level, fetched once per page (a failed fetch is retried next time). The
 * last list fetched is kept on the device: a window evaluator whose network is down still offers the
 * tags a bad review needs.
 */
export function tagsForLevel(level: number): Promise<Tag[]> {
  let hit = cache.get(level);
  if (!hit) {
    const key = `hcp.tags.${level}`;
    hit = request<{ tags: Tag[] }>(ops.tagsForLevel, { level })
      .then((r) => {
        if (!r.data) throw new Error(r.errors?.[0]?.message ?? 'no tags');
        remember(key, r.data.tags);
        return r.data.tags;
      })
      .catch((err: unknown) => {
        const kept = recall(key);
        if (!kept) throw err;
        cache.delete(level); // asked again once the server answers
        return kept;
      });
    hit.catch(() => cache.delete(level));
    cache.set(level, hit);
  }
  return hit;
}

function remember(key: string, tags: Tag[]): void {
  try {
    localStorage.setItem(key, JSON.stringify(tags));
  } catch {
    // No storage: tags come from the server only.
  }
}

function recall(key: string): Tag[] | null {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as Tag[]) : null;
  } catch {
    return null;
  }
}
