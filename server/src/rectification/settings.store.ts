import { regionAncestors } from '../catalog/region.logic.js';
import type { Em } from '../db/orm.js';
import { workCalendar, type CalendarDay, type WorkCalendar } from './calendar.logic.js';
import { RectHolidaySchema, RectSettingSchema } from './rectification.entities.js';
import { resolveRules, type RectRules, type SettingKey } from './settings.logic.js';

export interface RegionRules {
  rules: RectRules;
  calendar: WorkCalendar;
  values: Record<SettingKey, { value: string; regionCode: string | null }>;
}

/** The settings and the working-day calendar in force for a region (its own rows win over its parents'). */
export async function loadRegionRules(em: Em, regionCode: string): Promise<RegionRules> {
  const chain = regionAncestors(regionCode);
  const overrides = await em.find(RectSettingSchema, { regionCode: { $in: chain } });
  const { rules, values } = resolveRules(chain, overrides);
  const rows = await em.find(RectHolidaySchema, { regionCode: { $in: ['', ...chain] } });
  const rank = (code: string) => (code === '' ? -1 : chain.indexOf(code));
  const days: CalendarDay[] = rows
    .sort((a, b) => rank(a.regionCode) - rank(b.regionCode))
    .map((r) => ({ day: r.day, kind: r.kind === 'WORKDAY' ? 'WORKDAY' : 'HOLIDAY' }));
  return { rules, calendar: workCalendar(days), values };
}
