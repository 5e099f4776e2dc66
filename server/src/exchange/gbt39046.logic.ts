import { shanghaiIso } from '../common/calendar.js';
import type { Channel } from '../catalog/channel.logic.js';
import { LEVELS, toGbSatisfactionCode } from '../catalog/levels.logic.js';

/**
 * GB/T 39046-2020 表9 评价数据 (standards.md, docs/exchange.md): the evaluation data set as the standard
 * writes it, for the JSON export of ratings. Keys are the standard's element names; values in its
 * forms: 评价时间 `YYYYMMDDThhmmss` (Beijing time), 满意度代码 1 = 非常满意 (A.8, the reverse of the
 * interface's `satisfaction`), 行政区划 the 9-digit code (province, city, county, township), 服务对象 the
 * standard's codes (the interface's `userProp` differs from 5 on). Pure.
 */
export const GB_EVALUATION_FIELDS = [
  '办件编号',
  '评价渠道',
  '评价人',
  '评价时间',
  '评价次数',
  '满意度',
  '满意度代码',
  '文字评价',
  '行政区划',
  '事项名称',
  '实施编码',
  '事项类型',
  '统一社会信用代码',
  '机构名称',
  '服务对象',
] as const;
export type GbEvaluationField = (typeof GB_EVALUATION_FIELDS)[number];

/** `YYYYMMDDThhmmss`, Beijing time (评价时间). */
export function gbDateTime(ms: number): string {
  return shanghaiIso(ms).slice(0, 19).replace(/[-:]/g, '');
}

/** The 9-digit 行政区划 (n..9) of a 12-digit region code: province, city, county (GB/T 2260) and township. */
export function gbRegionCode(code12: string): string {
  return code12.slice(0, 9);
}

/**
 * 服务对象 (1 自然人 2 企业法人 3 事业法人 4 社会组织法人 5 行政机关 6 其他组织) of the interface's `userProp`
 * (1 自然人 2 企业法人 3 事业法人 4 社会组织法人 5 非法人企业 6 行政机关 9 其他): 5 非法人企业 has no code of its
 * own and is 6 其他组织; an unknown value is 6 too.
 */
export function gbServiceObject(userProp: number): number {
  const map: Readonly<Record<number, number>> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 5, 9: 6 };
  return map[userProp] ?? 6;
}

/** 评价渠道 (an..50) as standards.md names the channels. */
const CHANNEL_NAMES: Readonly<Record<Channel, string>> = {
  PC: 'PC端',
  APP: '移动服务端',
  MINI_PROGRAM: '移动服务端',
  QR: '二维码',
  WINDOW: '政务大厅平板电脑',
  TERMINAL: '政务大厅其他终端',
  HOTLINE: '电话',
  SMS: '短信',
  IMPORT: '部门业务系统',
  DEFAULT: '系统默认评价',
};

export function gbChannelName(channel: string): string {
  return CHANNEL_NAMES[channel as Channel] ?? channel;
}

const LEVEL_NAMES = new Map<number, string>(LEVELS.map((l) => [l.value, l.name]));

export interface GbEvaluationFacts {
  projectNo: string;
  channel: string;
  /** Masked (R12). */
  raterName: string | null;
  ratedAt: number;
  assessNumber: number;
  /** Our level, 5 = 非常满意. */
  level: number;
  comment: string | null;
  regionCode: string;
  taskName: string;
  taskCode: string;
  itemType: string;
  deptCode: string;
  deptName: string;
  userProp: number;
}

/** One record of 表9 (with its related elements). */
export function gbEvaluationRecord(f: GbEvaluationFacts): Record<GbEvaluationField, string | number | null> {
  return {
    办件编号: f.projectNo,
    评价渠道: gbChannelName(f.channel),
    评价人: f.raterName ? f.raterName.slice(0, 30) : null,
    评价时间: gbDateTime(f.ratedAt),
    评价次数: f.assessNumber,
    满意度: LEVEL_NAMES.get(f.level) ?? null,
    满意度代码: toGbSatisfactionCode(f.level),
    文字评价: f.comment ?? '',
    行政区划: gbRegionCode(f.regionCode),
    事项名称: f.taskName,
    实施编码: f.taskCode,
    事项类型: f.itemType,
    统一社会信用代码: f.deptCode,
    机构名称: f.deptName,
    服务对象: gbServiceObject(f.userProp),
  };
}
