import { describe, expect, it } from 'vitest';
import type { BreakdownRow, ChannelFigures, TrendPoint } from '../../dashboard/src/api/types.js';
import {
  CHART_FONT,
  fontSample,
  rateAxisFloor,
  regionLabel,
  toChannelPieOption,
  toRegionBarOption,
  toTrendOption,
} from '../../dashboard/src/charts/options.js';
import { CATEGORY_COLORS } from '../../dashboard/src/palette.js';

const labels = { total: '评价总数', goodRate: '好评率', noData: '样本不足' };
const row = (key: string, name: string, total: number | null, goodRate: number | null, suppressed = false): BreakdownRow => ({
  key,
  name,
  code: key,
  regionLevel: 'DISTRICT',
  total,
  good: null,
  bad: null,
  goodRate,
  suppressed,
});

type Series = { type: string; data: unknown[]; label?: { formatter?: unknown } };

describe('toRegionBarOption', () => {
  it('draws the regions as horizontal bars, largest on top, in the bundled font', () => {
    const option = toRegionBarOption([row('419901000000', '东城区', 120, 0.99), row('419902000000', '西城区', 80, 1)], labels);
    expect(option.textStyle).toEqual({ fontFamily: CHART_FONT });
    expect((option.yAxis as { data: string[] }).data).toEqual(['西城区', '东城区']);
    const [bars] = option.series as Series[];
    expect(bars!.type).toBe('bar');
    expect(bars!.data).toEqual([
      { value: 80, rate: 1 },
      { value: 120, rate: 0.99 },
    ]);
  });

  it('draws withheld regions empty, not as zero, and keeps at most twelve', () => {
    const rows = Array.from({ length: 15 }, (_, i) => row(`4199${String(i + 1).padStart(2, '0')}000000`, `区${i}`, 100 - i, 1, i === 0));
    const option = toRegionBarOption(rows, labels);
    const [bars] = option.series as Series[];
    expect(bars!.data).toHaveLength(12);
    expect(bars!.data.at(-1)).toEqual({ value: null, rate: null });
  });

  it('labels each bar with its count and good rate', () => {
    expect(regionLabel({ value: 12_345, rate: 0.9991 }, labels)).toBe('1.2万 · 好评率 99.91%');
    expect(regionLabel({ value: 12_345, rate: 0.9991 }, labels, 'en')).toBe('12.3K · 好评率 99.91%');
    expect(regionLabel({ value: null, rate: null }, labels)).toBe('样本不足');
  });
});

describe('toChannelPieOption', () => {
  const channel = (c: string, name: string, total: number | null, suppressed = false): ChannelFigures => ({
    channel: c,
    name,
    total,
    good: null,
    bad: null,
    goodRate: null,
    suppressed,
  });

  it('names every slice (colour is not the only cue), biggest first, without empty or withheld channels', () => {
    const option = toChannelPieOption(
      [channel('QR', '二维码', 10), channel('WINDOW', '窗口', 30), channel('SMS', '短信', 0), channel('APP', '移动端', 5, true)],
      (c, fallback) => (c === 'WINDOW' ? '窗口评价器' : fallback),
    );
    const [pie] = option.series as Array<{ type: string; data: Array<{ name: string; value: number }>; label: { formatter: string } }>;
    expect(pie!.type).toBe('pie');
    expect(pie!.data).toEqual([
      { name: '窗口评价器', value: 30 },
      { name: '二维码', value: 10 },
    ]);
    expect(pie!.label.formatter).toContain('{b}');
    expect(option.color).toBe(CATEGORY_COLORS);
  });
});

describe('toTrendOption', () => {
  const point = (period: number, total: number, goodRate: number | null, suppressed = false): TrendPoint => ({
    period,
    start: '',
    total,
    good: null,
    bad: null,
    goodRate,
    suppressed,
  });

  it('shows ratings per day as bars and the good rate as a line on a rate axis', () => {
    const option = toTrendOption([point(20261120, 10, 1), point(20261121, 0, null), point(20261122, 8, 0.875)], { total: '日评价量', goodRate: '好评率' });
    expect((option.xAxis as { data: string[] }).data).toEqual(['11-20', '11-21', '11-22']);
    const [bars, line] = option.series as Series[];
    expect(bars!.data).toEqual([10, 0, 8]);
    expect(line!.data).toEqual([1, null, 0.875]);
    const rateAxis = (option.yAxis as Array<{ min?: number; max?: number; interval?: number }>)[1]!;
    expect(rateAxis).toMatchObject({ min: 0.8, max: 1 });
    expect(rateAxis.interval).toBeCloseTo(0.05);
  });
});

describe('rateAxisFloor', () => {
  it('starts a whole 10% below the lowest rate and never above 90%', () => {
    expect(rateAxisFloor([0.9993, 1])).toBe(0.9);
    expect(rateAxisFloor([0.875])).toBe(0.8);
    expect(rateAxisFloor([0.8])).toBe(0.8);
    expect(rateAxisFloor([null])).toBe(0.9);
    expect(rateAxisFloor([0])).toBe(0);
  });
});

describe('fontSample', () => {
  it('lists each non-ASCII character the option draws once, so exactly those font subsets load', () => {
    const sample = fontSample(toRegionBarOption([row('419901000000', '东城区', 1, 1), row('419902000000', '西城区', 1, 1)], labels));
    expect(sample).toContain('东');
    expect(sample).toContain('城');
    expect(sample.split('城')).toHaveLength(2);
    expect(sample).not.toMatch(/[a-z0-9]/i);
  });
});
