import { InvalidInputError } from '../common/errors.js';
import { parseLimit, type Limit } from './calendar.logic.js';

/**
 * Rectification settings (R14, R16, R20) with their defaults. Every one can be overridden per region
 * (table `rect_setting`); the most specific region on the chain from the province down wins.
 * Where cities differ, the default is the stricter published rule.
 */
export const SETTING_DEFAULTS = {
  /** 转办: from the bad review to dispatch to the responsible unit. */
  'clock.dispatch': '1W',
  /** 核实: from dispatch to the verification result. */
  'clock.verify': '3W',
  /** 定性: from verification to the class (or, for an unfounded review, to the explanation). */
  'clock.classify': '1W',
  /** 整改, counted from the bad review (R16; Xuchang: 15 natural days for a founded review). */
  'clock.rectify.SIMPLE': '15N',
  'clock.rectify.GENERAL': '15N',
  'clock.rectify.COMPLEX': '15N',
  /** 反馈: from rectification to the reply to the rater (R17). */
  'clock.feedback': '1W',
  /** 回访: from the reply to the callback (Liaoning, Dezhou: within 1 working day). */
  'clock.callback': '1W',
  /** 办结: from the callback to closing the case. */
  'clock.close': '1W',
  /** R16: extensions of the rectification deadline allowed per case. */
  'extension.max': '1',
  /** 回访 attempts that did not reach the rater before the case goes on as "not reached". */
  'callback.maxAttempts': '3',
  /** R20: this many bad reviews … */
  'problem.threshold': '3',
  /** … within this many natural days … */
  'problem.windowDays': '30',
  /** … on the same ITEM (事项) or DEPARTMENT form a common problem; both = item first, then department. */
  'problem.groupBy': 'ITEM,DEPARTMENT',
  /** Days the rater's link to rate the fix stays valid. */
  'rerate.ttlDays': '7',
} as const;

export type SettingKey = keyof typeof SETTING_DEFAULTS;
export const SETTING_KEYS = Object.keys(SETTING_DEFAULTS) as SettingKey[];

export type RectClass = 'SIMPLE' | 'GENERAL' | 'COMPLEX';
export type GroupBy = 'ITEM' | 'DEPARTMENT';

/** The settings of one region, parsed. */
export interface RectRules {
  clocks: {
    dispatch: Limit;
    verify: Limit;
    classify: Limit;
    feedback: Limit;
    callback: Limit;
    close: Limit;
    rectify: Record<RectClass, Limit>;
  };
  extensionMax: number;
  callbackMaxAttempts: number;
  problem: { threshold: number; windowDays: number; groupBy: GroupBy[] };
  rerateTtlDays: number;
}

/** Checks one value; the message says what was expected. */
export function validateSetting(key: string, value: string): void {
  if (!(SETTING_KEYS as string[]).includes(key)) {
    throw InvalidInputError.field('key', `one of ${SETTING_KEYS.join(', ')}`, key);
  }
  if (key.startsWith('clock.')) {
    const limit = parseLimit(value);
    if (!limit || limit.n > 365) throw InvalidInputError.field(key, 'a number of days 0–365 followed by N (natural) or W (working), e.g. 15N or 1W', value);
    return;
  }
  if (key === 'problem.groupBy') {
    const parts = value.split(',').map((s) => s.trim());
    if (parts.length === 0 || parts.some((p) => p !== 'ITEM' && p !== 'DEPARTMENT')) {
      throw InvalidInputError.field(key, 'ITEM, DEPARTMENT or both separated by a comma', value);
    }
    return;
  }
  const [min, max] = key === 'problem.threshold' ? [2, 1000] : key === 'extension.max' ? [0, 10] : [1, 366];
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw InvalidInputError.field(key, `an integer ${min}–${max}`, value);
}

/**
 * The effective settings: defaults, overridden by each region of the chain in order (province first,
 * the case's own region last). `overrides` rows are (regionCode, key, value).
 */
export function resolveRules(
  chain: readonly string[],
  overrides: ReadonlyArray<{ regionCode: string; key: string; value: string }>,
): { rules: RectRules; values: Record<SettingKey, { value: string; regionCode: string | null }> } {
  const values = Object.fromEntries(SETTING_KEYS.map((k) => [k, { value: SETTING_DEFAULTS[k] as string, regionCode: null as string | null }])) as Record<
    SettingKey,
    { value: string; regionCode: string | null }
  >;
  for (const code of chain) {
    for (const row of overrides) {
      if (row.regionCode !== code || !(row.key in values)) continue;
      values[row.key as SettingKey] = { value: row.value, regionCode: code };
    }
  }
  const v = (k: SettingKey) => values[k].value;
  const limit = (k: SettingKey) => parseLimit(v(k)) ?? parseLimit(SETTING_DEFAULTS[k])!;
  const num = (k: SettingKey) => {
    const n = Number(v(k));
    return Number.isInteger(n) ? n : Number(SETTING_DEFAULTS[k]);
  };
  const rules: RectRules = {
    clocks: {
      dispatch: limit('clock.dispatch'),
      verify: limit('clock.verify'),
      classify: limit('clock.classify'),
      feedback: limit('clock.feedback'),
      callback: limit('clock.callback'),
      close: limit('clock.close'),
      rectify: { SIMPLE: limit('clock.rectify.SIMPLE'), GENERAL: limit('clock.rectify.GENERAL'), COMPLEX: limit('clock.rectify.COMPLEX') },
    },
    extensionMax: num('extension.max'),
    callbackMaxAttempts: num('callback.maxAttempts'),
    problem: {
      threshold: num('problem.threshold'),
      windowDays: num('problem.windowDays'),
      groupBy: v('problem.groupBy')
        .split(',')
        .map((s) => s.trim())
        .filter((s): s is GroupBy => s === 'ITEM' || s === 'DEPARTMENT'),
    },
    rerateTtlDays: num('rerate.ttlDays'),
  };
  return { rules, values };
}
