import { createRequire } from 'node:module';
import type { Actor } from '../common/actor.js';
import { dayStartMs, ymdOf } from '../common/calendar.js';
import { ForbiddenError, InvalidInputError } from '../common/errors.js';
import type { Em } from '../db/orm.js';
import { isDuplicateOrStale } from '../db/errors.js';
import { appendAudit } from '../auth/audit.service.js';
import { isValidRegionCode, isWithinRegion } from '../catalog/region.logic.js';
import { regionLikePattern } from '../rectification/rectification.access.js';
import { CommentThemeSchema, type CommentTheme } from './integrity.entities.js';
import { checkRegionCode, type IntegrityDeps } from './fraud.service.js';
import { addMonths, countThemes, themeTerms, type ThemeComment, type ThemeCount } from './themes.logic.js';

interface JiebaLike {
  cut(text: string, hmm?: boolean): string[];
}

// The dictionary takes most of a second to load: once per process, on first use, shared by every app
// (it is read-only and holds nothing of any app).
let jieba: JiebaLike | null = null;

function segmenter(): (text: string) => string[] {
  if (!jieba) {
    const require = createRequire(import.meta.url);
    const { Jieba } = require('@node-rs/jieba') as { Jieba: { withDict(dict: Uint8Array): JiebaLike } };
    const { dict } = require('@node-rs/jieba/dict') as { dict: Uint8Array };
    jieba = Jieba.withDict(dict);
  }
  const j = jieba;
  return (text) => j.cut(text, false);
}

export interface ThemeFilter {
  month?: string | null;
  regionCode?: string | null;
  departmentId?: number | null;
  itemId?: number | null;
  /** Only comments of ratings at or below this level (2: bad reviews only); all levels when absent. */
  maxLevel?: number | null;
  limit?: number | null;
}

export interface ThemeResult extends ThemeCount {
  confirmed: boolean;
}

const MONTHS_SHOWN = 6;

function currentMonth(now: number): string {
  const ymd = ymdOf(now);
  return `${Math.floor(ymd / 10000)}-${String(Math.floor(ymd / 100) % 100).padStart(2, '0')}`;
}

function monthStart(month: string): number {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw InvalidInputError.field('month', 'YYYY-MM', month);
  const [y, m] = month.split('-').map(Number);
  return dayStartMs(y! * 10000 + m! * 100 + 1);
}

/** The region whose themes a caller sees: supervisors their own (or within), officers their department's region, admins any. */
function themeScope(actor: Actor, filter: ThemeFilter): { sql: string; params: unknown[]; regionCode: string | null } {
  const where: string[] = [];
  const params: unknown[] = [];
  checkRegionCode(filter.regionCode);
  let regionCode = filter.regionCode ?? null;
  if (actor.role === 'supervisor') {
    if (!actor.regionCode) throw ForbiddenError.scope('comment themes');
    if (regionCode && !isWithinRegion(regionCode, actor.regionCode)) throw ForbiddenError.scope(`region ${regionCode}`);
    regionCode ??= actor.regionCode;
  } else if (actor.role === 'department') {
    if (!actor.departmentPath) throw ForbiddenError.scope('comment themes');
    where.push('d.path like ?');
    params.push(`${actor.departmentPath}%`);
  } else if (actor.role !== 'admin') {
    throw ForbiddenError.role(['department', 'supervisor', 'admin'], actor.role);
  }
  if (regionCode) {
    where.push('d.region_code like ?');
    params.push(regionLikePattern(regionCode));
  }
  if (filter.departmentId) {
    where.push('s.department_id = ?');
    params.push(filter.departmentId);
  }
  if (filter.itemId) {
    where.push('s.item_id = ?');
    params.push(filter.itemId);
  }
  if (filter.maxLevel) {
    where.push('r.level <= ?');
    params.push(filter.maxLevel);
  }
  return { sql: where.length ? ` and ${where.join(' and ')}` : '', params, regionCode };
}

/**
 * 社情民意: the themes of the comments of a month (default: this month) in the caller's scope, with the
 * previous months, top departments and items, rising ones flagged and whether a supervisor confirmed them.
 * Reads the stored comment, which has personal data masked (R12); it is masked again before cutting.
 */
export async function commentThemes(app: IntegrityDeps, actor: Actor, filter: ThemeFilter, monthsShown = MONTHS_SHOWN): Promise<ThemeResult[]> {
  const month = filter.month ?? currentMonth(app.clock.now().getTime());
  const scope = themeScope(actor, filter);
  const first = addMonths(month, -(monthsShown - 1));
  const from = monthStart(first);
  const to = monthStart(addMonths(month, 1));
  const em = app.orm.em.fork() as Em;
  const rows = await em.execute<
    Array<{ comment: string; rated_at: number | string; department_id: number; department_name: string; item_id: number; item_name: string }>
  >(
    `select r.comment, r.rated_at, s.department_id, d.name as department_name, s.item_id, i.name as item_name
       from rating r
       join service s on s.id = r.service_id
       join department d on d.id = s.department_id
       join item i on i.id = s.item_id
      where r.comment is not null and r.valid = true and r.rated_at >= ? and r.rated_at < ?${scope.sql}`,
    [from, to, ...scope.params],
  );
  const cut = segmenter();
  const comments: ThemeComment[] = rows.map((r) => ({
    month: currentMonth(Number(r.rated_at)),
    terms: themeTerms(r.comment, cut),
    departmentId: Number(r.department_id),
    departmentName: r.department_name,
    itemId: Number(r.item_id),
    itemName: r.item_name,
  }));
  const months = Array.from({ length: monthsShown }, (_, i) => addMonths(first, i));
  const themes = countThemes(comments, month, addMonths(month, -1), months, {
    minCount: app.config.themeMinCount,
    riseRatio: app.config.themeRiseRatio,
    limit: Math.min(Math.max(filter.limit ?? 30, 1), 200),
  });
  const confirmed = await confirmedTerms(em, scope.regionCode ?? actor.regionCode ?? null);
  return themes.map((t) => ({ ...t, confirmed: confirmed.has(t.term) }));
}

async function confirmedTerms(em: Em, regionCode: string | null): Promise<Set<string>> {
  const rows = await em.execute<Array<{ term: string; region_code: string }>>('select term, region_code from comment_theme');
  // A theme confirmed for a region holds within it (a city's confirmation covers its districts).
  return new Set(rows.filter((r) => !regionCode || isWithinRegion(regionCode, r.region_code)).map((r) => r.term));
}

/** A supervisor confirms a theme for their region (or one within it): from then on it is shown publicly as a hot tag. Audited. */
export async function confirmTheme(app: IntegrityDeps, actor: Actor, term: string, note: string | null, requestedRegion: string | null): Promise<CommentTheme> {
  if (actor.role !== 'supervisor' && actor.role !== 'admin') throw ForbiddenError.role(['supervisor', 'admin'], actor.role);
  const word = term.trim();
  if (!word || [...word].length > 20 || !/^[\p{Script=Han}A-Za-z]+$/u.test(word))
    throw InvalidInputError.field('term', 'a word of 1–20 Chinese characters or letters', term);
  checkRegionCode(requestedRegion);
  let regionCode = requestedRegion ?? actor.regionCode ?? null;
  if (!regionCode) throw InvalidInputError.field('regionCode', 'the region the theme is confirmed for', requestedRegion);
  if (actor.role === 'supervisor' && !isWithinRegion(regionCode, actor.regionCode ?? '\0')) throw ForbiddenError.scope(`region ${regionCode}`);
  regionCode = regionCode.slice(0, 12);
  const now = app.clock.now().getTime();
  const em = app.orm.em.fork() as Em;
  try {
    return await em.transactional(async (t) => {
      const tx = t as Em;
      const existing = await tx.findOne(CommentThemeSchema, { regionCode, term: word });
      if (existing) return existing;
      const theme = tx.create(CommentThemeSchema, { term: word, regionCode, confirmedBy: actor.label, confirmedAt: now, note: note?.slice(0, 500) ?? null });
      await tx.flush();
      await appendAudit(tx, app.dialect, { actor, action: 'theme.confirm', subject: `theme:${regionCode}:${word}`.slice(0, 100), detail: note ?? null }, now);
      return theme;
    });
  } catch (err) {
    if (!isDuplicateOrStale(err)) throw err;
    return (app.orm.em.fork() as Em).findOneOrFail(CommentThemeSchema, { regionCode, term: word });
  }
}

/**
 * The public hot themes of a region: only themes a supervisor confirmed, with this month's mentions in
 * the region (no figure below `minPublicRatings`, R21). Nothing personal: terms are cut from masked comments.
 */
export async function publicThemes(app: IntegrityDeps, regionCode: string, month: string | null): Promise<Array<{ term: string; count: number }>> {
  if (!isValidRegionCode(regionCode)) throw InvalidInputError.field('regionCode', 'a 12-digit region code', regionCode);
  const em = app.orm.em.fork() as Em;
  const confirmed = await confirmedTerms(em, regionCode);
  if (confirmed.size === 0) return [];
  const admin: Actor = { role: 'admin', label: 'public-themes' };
  // One month only: a public request reads no more comments than it shows (nothing is cached).
  const themes = await commentThemes(app, admin, { regionCode, month, limit: 200 }, 1);
  const min = Math.max(app.config.minPublicRatings, 1);
  return themes.filter((t) => t.confirmed && t.count >= min).map((t) => ({ term: t.term, count: t.count }));
}
