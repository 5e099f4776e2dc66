import { describe, expect, it } from 'vitest';
import {
  attachmentNames,
  clockText,
  deadlineDay,
  deltaText,
  QUEUES,
  shanghaiTime,
  toCsv,
  trendGranularity,
} from '../../dashboard/src/workspace/workspace.logic.js';
import { translate } from '../../dashboard/src/i18n/index.js';
import { en } from '../../dashboard/src/i18n/en.js';

const due = '2026-12-05T16:00:00.000Z'; // end of 5 Dec in Shanghai
const at = (text: string) => new Date(`${text}+08:00`).getTime();

describe('workspace clock (R16)', () => {
  it('shows the deadline as its Shanghai day and the time left', () => {
    expect(deadlineDay(due)).toBe('2026-12-05');
    expect(clockText(due, at('2026-12-03T22:00:00'), false)).toEqual({ text: '剩余2天2小时', tone: 'ok' });
    expect(clockText(due, at('2026-12-05T21:30:00'), false)).toEqual({ text: '剩余2小时30分', tone: 'soon' });
  });

  it('shows overdue time, a paused clock and no clock', () => {
    expect(clockText(due, at('2026-12-07T03:00:00'), false)).toEqual({ text: '已超期1天3小时', tone: 'late' });
    expect(clockText(due, at('2026-12-07T03:00:00'), true).tone).toBe('paused');
    expect(clockText(null, 0, false)).toEqual({ text: '—', tone: 'none' });
  });

  it('formats times in Shanghai and keeps only attachment names', () => {
    expect(shanghaiTime('2026-11-20T02:00:00.000Z')).toBe('2026-11-20 10:00');
    expect(attachmentNames([{ name: 'a.pdf' }, { name: 'b.png' }])).toEqual(['a.pdf', 'b.png']);
    expect(attachmentNames(null)).toEqual([]);
  });

  it('gives the hotline only the callback queues', () => {
    expect(QUEUES.filter((q) => q.roles.includes('hotline')).map((q) => q.path)).toEqual(['callbacks', 'all']);
  });
});

describe('toCsv', () => {
  it('quotes fields with commas, quotes and line breaks; null is empty (every table exportable)', () => {
    expect(
      toCsv([
        ['名称', '好评率'],
        ['东城区市场监督管理局', 0.998],
        ['a,"b"', null],
      ]),
    ).toBe('名称,好评率\r\n东城区市场监督管理局,0.998\r\n"a,""b""",\r\n');
  });
});

describe('department comparison deltas (R21, R22)', () => {
  it('shows the direction with an arrow and the size in percentage points, levels or counts', () => {
    expect(deltaText(2 / 3 - 1 / 2, 'rate')).toBe('↑ 16.7个百分点');
    expect(deltaText(-0.5, 'rate')).toBe('↓ 50.0个百分点');
    expect(deltaText(1 / 3, 'level')).toBe('↑ 0.33');
    expect(deltaText(-2, 'count')).toBe('↓ 2');
    expect(deltaText(0.00001, 'rate')).toBe('→ 0个百分点');
    expect(deltaText(null, 'rate')).toBe('—');
    expect(deltaText(0.1, 'rate', (key, params) => translate(en, key, params))).toBe('↑ 10.0 pp');
  });
});

describe("the department page's trend granularity (long ranges)", () => {
  it('asks by day up to 366 days and by month beyond, so any range has a trend', () => {
    expect(trendGranularity('2026-11-01', '2026-11-30')).toBe('DAY');
    expect(trendGranularity('2025-12-01', '2026-11-30')).toBe('DAY'); // 365 days
    expect(trendGranularity('2024-01-01', '2024-12-31')).toBe('DAY'); // 366 days (leap year)
    expect(trendGranularity('2024-01-01', '2025-01-01')).toBe('MONTH'); // 367 days
    expect(trendGranularity('2000-01-01', '2026-11-30')).toBe('MONTH');
  });
});
