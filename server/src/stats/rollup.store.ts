import type { Em } from '../db/orm.js';
import { sqlOf } from '../db/sql.js';
import {
  countKeyString,
  dimensionKeyString,
  mergeDeltas,
  tagKeyString,
  TOTAL_COLUMNS,
  totalRowsOf,
  totalsOf,
  type CountDelta,
  type Counted,
  type DimensionDelta,
  type TagDelta,
} from './rollup.logic.js';

const CHUNK = 200;

/** The group commit's rollup step: the deltas of every job in the group, merged, applied once. */
export async function applyGroupDeltas(tx: Em, counted: Counted[]): Promise<void> {
  const counts = mergeDeltas(
    counted.flatMap((c) => c.counts),
    countKeyString,
  );
  const tags = mergeDeltas(
    counted.flatMap((c) => c.tags),
    tagKeyString,
  );
  // Only ratings that scored dimensions (R3) carry dimension deltas: a group without any writes no third upsert.
  const dimensions = mergeDeltas(
    counted.flatMap((c) => c.dimensions ?? []),
    dimensionKeyString,
  );
  await applyRollupDeltas(tx, [...counts.values()], [...tags.values()], [...dimensions.values()]);
}

/**
 * Adds counter deltas with one multi-row upsert per table; runs inside the caller's transaction. Rows
 * go in key order, so concurrent writers (PostgreSQL) lock the counter rows in one global order and
 * queue behind each other instead of deadlocking. The flat totals (`rollup_total`) are the count
 * deltas with the channel summed away, added by one more upsert right after `rollup_count`'s: every
 * writer of counts (group commit, defaults, invalidation R18) keeps both in the same transaction.
 * They are `write`s: under a group commit on PostgreSQL the upserts of every table go as one statement.
 */
export async function applyRollupDeltas(
  em: Em,
  unsortedCounts: CountDelta[],
  unsortedTags: TagDelta[],
  unsortedDimensions: DimensionDelta[] = [],
): Promise<void> {
  const sql = await sqlOf(em);
  const counts = sortedBy(unsortedCounts, countKeyString);
  const tags = sortedBy(unsortedTags, tagKeyString);
  const dimensions = sortedBy(unsortedDimensions, dimensionKeyString);
  for (let i = 0; i < counts.length; i += CHUNK) {
    const rows = counts.slice(i, i + CHUNK);
    await sql.write(
      `insert into rollup_count (bucket, scope, grain, period, channel, level, is_default, n) values ` +
        rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ') +
        ` on conflict (bucket, scope, grain, period, channel, level, is_default) do update set n = rollup_count.n + excluded.n`,
      rows.flatMap((r) => [r.bucket, r.scope, r.grain, r.period, r.channel, r.level, r.isDefault ? 1 : 0, r.n]),
    );
  }
  const totals = totalRowsOf(totalsOf(counts).values());
  for (let i = 0; i < totals.length; i += CHUNK) {
    const rows = totals.slice(i, i + CHUNK);
    await sql.write(
      `insert into rollup_total (bucket, scope, grain, period, ${TOTAL_COLUMNS.join(', ')}) values ` +
        rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ') +
        ` on conflict (bucket, scope, grain, period) do update set ${TOTAL_COLUMNS.map((c) => `${c} = rollup_total.${c} + excluded.${c}`).join(', ')}`,
      rows.flatMap((r) => [r.bucket, r.scope, r.grain, r.period, ...r.active, ...r.defaults]),
    );
  }
  for (let i = 0; i < tags.length; i += CHUNK) {
    const rows = tags.slice(i, i + CHUNK);
    await sql.write(
      `insert into rollup_tag (bucket, scope, grain, period, channel, tag, n) values ` +
        rows.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ') +
        ` on conflict (bucket, scope, grain, period, channel, tag) do update set n = rollup_tag.n + excluded.n`,
      rows.flatMap((r) => [r.bucket, r.scope, r.grain, r.period, r.channel, r.tag, r.n]),
    );
  }
  for (let i = 0; i < dimensions.length; i += CHUNK) {
    const rows = dimensions.slice(i, i + CHUNK);
    await sql.write(
      `insert into rollup_dimension (bucket, scope, grain, period, channel, dimension, level, n) values ` +
        rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ') +
        ` on conflict (bucket, scope, grain, period, channel, dimension, level) do update set n = rollup_dimension.n + excluded.n`,
      rows.flatMap((r) => [r.bucket, r.scope, r.grain, r.period, r.channel, r.dimension, r.level, r.n]),
    );
  }
}

function sortedBy<T>(rows: T[], keyOf: (row: T) => string): T[] {
  return rows
    .map((row) => ({ row, key: keyOf(row) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((e) => e.row);
}

/**
 * Rewrites `rollup_total` from `rollup_count` in one INSERT … SELECT … GROUP BY (the migration's fill):
 * for bulk loads that write the detailed counters only (the seeder), not for a database being served.
 */
export async function refillTotalsFromCounts(em: Em): Promise<void> {
  const sums = TOTAL_COLUMNS.map((c) => `sum(case when level = ${c.slice(1)} and is_default = ${c.startsWith('d') ? 1 : 0} then n else 0 end)`);
  await em.execute('delete from rollup_total', [], 'run');
  await em.execute(
    `insert into rollup_total (bucket, scope, grain, period, ${TOTAL_COLUMNS.join(', ')})
     select bucket, scope, grain, period, ${sums.join(', ')} from rollup_count group by bucket, scope, grain, period`,
    [],
    'run',
  );
}
