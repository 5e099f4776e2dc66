import type { ComposeOption } from 'echarts/core';
import type { BarSeriesOption, LineSeriesOption, PieSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption } from 'echarts/components';
import type { BreakdownRow, ChannelFigures, TrendPoint } from '../api/types.js';
import { formatCompact, formatPeriodDay, formatRate, type Lang } from '../format.js';
import { CATEGORY_COLORS, GOOD, OKABE_ITO, SCREEN_THEME } from '../palette.js';

/** Every chart option the dashboard builds; each builder is pure (data in, option out) and unit-tested. */
export type ChartOption = ComposeOption<BarSeriesOption | LineSeriesOption | PieSeriesOption | GridComponentOption | LegendComponentOption>;

/** Labels for axes and series, already translated by the caller. */
export interface ChartLabels {
  total: string;
  goodRate: string;
  noData?: string;
}

/** The bundled font, named for ECharts too: its SVG text would otherwise ask for a system CJK font (boxes). */
export const CHART_FONT = "'Noto Sans SC', 'Liberation Sans', sans-serif";
const TEXT_STYLE = { fontFamily: CHART_FONT };
const AXIS_TEXT = { color: SCREEN_THEME.muted, fontSize: 18, fontFamily: CHART_FONT };
const SPLIT_LINE = { lineStyle: { color: SCREEN_THEME.grid, type: 'dashed' as const } };

/**
 * District (or township) breakdown as horizontal bars (region names stay horizontal and readable),
 * largest first, each labelled with its count and good rate. Suppressed rows (too few ratings for the
 * public) are drawn empty, not as zero.
 */
export function toRegionBarOption(rows: readonly BreakdownRow[], labels: ChartLabels, lang: Lang = 'zh-CN'): ChartOption {
  const shown = rows.slice(0, 12).reverse();
  return {
    textStyle: TEXT_STYLE,
    animationDurationUpdate: 600,
    grid: { left: 8, right: 190, top: 4, bottom: 4, containLabel: true },
    xAxis: { type: 'value', show: false },
    yAxis: {
      type: 'category',
      data: shown.map((r) => r.name),
      axisLabel: { ...AXIS_TEXT, color: SCREEN_THEME.text, width: 150, overflow: 'truncate' },
      axisLine: { show: false },
      axisTick: { show: false },
    },
    series: [
      {
        name: labels.total,
        type: 'bar',
        barMaxWidth: 20,
        barCategoryGap: '35%',
        itemStyle: { color: OKABE_ITO.blue, borderRadius: [0, 4, 4, 0] },
        showBackground: true,
        backgroundStyle: { color: 'rgba(39, 71, 107, 0.35)', borderRadius: [0, 4, 4, 0] },
        label: {
          show: true,
          position: 'right',
          distance: 10,
          fontFamily: CHART_FONT,
          fontSize: 17,
          color: SCREEN_THEME.text,
          formatter: (p: { data: unknown }) => regionLabel(p.data as RegionDatum, labels, lang),
        },
        data: shown.map((r): RegionDatum => ({ value: r.suppressed ? null : r.total, rate: r.suppressed ? null : r.goodRate })),
      },
    ],
  };
}

interface RegionDatum {
  value: number | null;
  rate: number | null;
}

/** "1,234 · 好评率 99.93%", or "—" for a withheld row. */
export function regionLabel(d: RegionDatum, labels: ChartLabels, lang: Lang = 'zh-CN'): string {
  if (d.value === null) return labels.noData ?? '—';
  return `${formatCompact(d.value, lang)} · ${labels.goodRate} ${formatRate(d.rate)}`;
}

/**
 * Where a good-rate axis starts: a whole 10% below the lowest rate shown, and never above 90%, so a
 * near-perfect series is not stretched into drama and the four intervals get round labels.
 */
export function rateAxisFloor(rates: ReadonlyArray<number | null>): number {
  const known = rates.filter((r): r is number => r !== null && Number.isFinite(r));
  const low = known.length ? Math.min(...known) : 1;
  return Math.max(0, Math.min(0.9, Math.floor(low * 10 + 1e-9) / 10));
}

/** Channel mix as a ring, each slice named with its share (colour is never the only cue). */
export function toChannelPieOption(channels: readonly ChannelFigures[], nameOf: (channel: string, fallback: string) => string): ChartOption {
  const data = channels
    .filter((c) => !c.suppressed && (c.total ?? 0) > 0)
    .sort((a, b) => (b.total ?? 0) - (a.total ?? 0))
    .map((c) => ({ name: nameOf(c.channel, c.name), value: c.total ?? 0 }));
  return {
    textStyle: TEXT_STYLE,
    color: CATEGORY_COLORS,
    animationDurationUpdate: 600,
    series: [
      {
        type: 'pie',
        radius: ['42%', '68%'],
        center: ['50%', '54%'],
        avoidLabelOverlap: true,
        minShowLabelAngle: 4,
        itemStyle: { borderColor: SCREEN_THEME.panel, borderWidth: 3 },
        label: { color: SCREEN_THEME.text, fontSize: 18, fontFamily: CHART_FONT, formatter: '{b}\n{d}%', lineHeight: 24 },
        labelLine: { length: 12, length2: 14, lineStyle: { color: SCREEN_THEME.muted } },
        data,
      },
    ],
  };
}

/** Ratings per day as bars and the good rate as a line, for the last days. */
export function toTrendOption(points: readonly TrendPoint[], labels: ChartLabels, lang: Lang = 'zh-CN'): ChartOption {
  const rates = points.map((p) => (p.suppressed || p.goodRate === null || !p.total ? null : p.goodRate));
  const floor = rateAxisFloor(rates);
  return {
    textStyle: TEXT_STYLE,
    animationDurationUpdate: 600,
    grid: { left: 70, right: 80, top: 48, bottom: 40 },
    legend: {
      top: 0,
      right: 8,
      textStyle: { color: SCREEN_THEME.text, fontSize: 18, fontFamily: CHART_FONT },
      itemWidth: 18,
      itemHeight: 12,
      data: [labels.total, labels.goodRate],
    },
    xAxis: {
      type: 'category',
      data: points.map((p) => formatPeriodDay(p.period)),
      axisLabel: { ...AXIS_TEXT, fontSize: 16 },
      axisLine: { lineStyle: { color: SCREEN_THEME.grid } },
      axisTick: { show: false },
    },
    yAxis: [
      { type: 'value', axisLabel: { ...AXIS_TEXT, formatter: (v: number) => formatCompact(v, lang) }, splitLine: SPLIT_LINE },
      {
        type: 'value',
        min: floor,
        max: 1,
        interval: (1 - floor) / 4,
        splitLine: { show: false },
        axisLabel: { ...AXIS_TEXT, formatter: (v: number) => formatRate(v, 1) },
      },
    ],
    series: [
      {
        name: labels.total,
        type: 'bar',
        barMaxWidth: 18,
        itemStyle: { color: GOOD, borderRadius: [3, 3, 0, 0] },
        data: points.map((p) => (p.suppressed ? null : p.total)),
      },
      {
        name: labels.goodRate,
        type: 'line',
        yAxisIndex: 1,
        symbol: 'circle',
        symbolSize: 6,
        smooth: false,
        itemStyle: { color: OKABE_ITO.orange },
        lineStyle: { width: 3, color: OKABE_ITO.orange },
        data: rates,
      },
    ],
  };
}

/**
 * The distinct non-ASCII characters an option will draw (names, labels), so the chart can ask the
 * browser to load exactly those font subsets before laying text out: ECharts measures text once, and
 * a measurement taken before the font arrived would leave labels misplaced.
 */
export function fontSample(option: unknown): string {
  const chars = new Set<string>();
  JSON.stringify(option, (_key, value: unknown) => {
    if (typeof value === 'string') for (const ch of value) if (ch.charCodeAt(0) > 0x7f) chars.add(ch);
    return value;
  });
  return [...chars].join('');
}
