import type { RectificationDeps } from './rectification.deps.js';
import type { Actor } from '../common/actor.js';
import { isValidRegionCode, isWithinRegion } from '../catalog/region.logic.js';
import { ForbiddenError, InvalidInputError } from '../common/errors.js';
import type { Em } from '../db/orm.js';
import { parseYmd } from './calendar.logic.js';
import { RectHolidaySchema, RectSettingSchema, type RectHoliday } from './rectification.entities.js';
import { SETTING_DEFAULTS, SETTING_KEYS, validateSetting, type SettingKey } from './settings.logic.js';
import { loadRegionRules } from './settings.store.js';
import { appendAudit } from '../auth/audit.service.js';

/** Admins set any region's rules; a supervisor sets those of its own region and below. */
function checkRegion(actor: Actor, regionCode: string, allowNationwide: boolean): void {
  if (regionCode === '' && allowNationwide) {
    if (actor.role !== 'admin') throw ForbiddenError.scope('the nationwide calendar');
    return;
  }
  if (!isValidRegionCode(regionCode)) throw InvalidInputError.field('regionCode', 'a 12-digit region code', regionCode);
  if (actor.role === 'supervisor' && !(actor.regionCode && isWithinRegion(regionCode, actor.regionCode))) throw ForbiddenError.scope(`region ${regionCode}`);
}

export async function effectiveSettings(app: RectificationDeps, regionCode: string) {
  if (!isValidRegionCode(regionCode)) throw InvalidInputError.field('regionCode', 'a 12-digit region code', regionCode);
  const { values } = await loadRegionRules(app.orm.em.fork() as Em, regionCode);
  return SETTING_KEYS.map((key) => ({ key, value: values[key].value, defaultValue: SETTING_DEFAULTS[key] as string, regionCode: values[key].regionCode }));
}

/** Sets (or with value null removes) a region's override of one setting; applies to cases opened or moved afterwards. */
export async function setSetting(app: RectificationDeps, actor: Actor, regionCode: string, key: string, value: string | null | undefined): Promise<void> {
  checkRegion(actor, regionCode, false);
  const now = app.clock.now().getTime();
  const audit = (tx: Em, detail: string) =>
    appendAudit(tx, app.dialect, { actor, action: 'setting.change', subject: `setting:${regionCode}:${key}`.slice(0, 100), detail }, now);
  if (value == null) {
    if (!(SETTING_KEYS as string[]).includes(key)) validateSetting(key, '');
    await (app.orm.em.fork() as Em).transactional(async (tx) => {
      await tx.nativeDelete(RectSettingSchema, { regionCode, key });
      await audit(tx as Em, 'back to the default');
    });
    return;
  }
  const normalized = key.startsWith('clock.') || key === 'problem.groupBy' ? value.trim().toUpperCase().replace(/\s+/g, '') : value.trim();
  validateSetting(key, normalized);
  await (app.orm.em.fork() as Em).transactional(async (tx) => {
    await tx.upsert(RectSettingSchema, { regionCode, key: key as SettingKey, value: normalized, updatedAt: now, updatedBy: actor.label });
    await audit(tx as Em, `set to ${normalized}`);
  });
}

export async function listHolidays(app: RectificationDeps, year: number, regionCode: string | null): Promise<RectHoliday[]> {
  if (!Number.isInteger(year) || year < 2000 || year > 2100) throw InvalidInputError.field('year', 'a year 2000–2100', year);
  const em = app.orm.em.fork() as Em;
  return em.find(
    RectHolidaySchema,
    {
      day: { $gte: year * 10000 + 101, $lte: year * 10000 + 1231 },
      ...(regionCode != null ? { regionCode } : {}),
    },
    { orderBy: { day: 'asc', regionCode: 'asc' } },
  );
}

/** Marks a day as a holiday (HOLIDAY) or a worked weekend day (WORKDAY, 调休); kind null removes the entry. */
export async function setHoliday(
  app: RectificationDeps,
  actor: Actor,
  date: string,
  kind: string | null | undefined,
  name: string,
  regionCode: string,
): Promise<RectHoliday | null> {
  checkRegion(actor, regionCode, true);
  const day = parseYmd(date);
  if (day === null) throw InvalidInputError.field('date', 'a calendar day YYYY-MM-DD', date);
  const em = app.orm.em.fork() as Em;
  if (kind == null) {
    await em.nativeDelete(RectHolidaySchema, { regionCode, day });
    return null;
  }
  if (kind !== 'HOLIDAY' && kind !== 'WORKDAY') throw InvalidInputError.field('kind', 'HOLIDAY or WORKDAY (调休上班)', kind);
  const label = name.trim();
  if (!label || Array.from(label).length > 60) throw InvalidInputError.field('name', '1–60 characters (e.g. 国庆节)', name);
  const row = { regionCode, day, kind, name: label };
  await em.upsert(RectHolidaySchema, row);
  return row;
}
