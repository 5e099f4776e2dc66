import { maskName } from '../common/mask.logic.js';
/**
 * Bulletins (通报, R21–R23): the pure assembly of a region's bulletin for a period from figures the
 * service reads, the masking of free text, and the self-contained HTML the PDF is printed from.
 * Nothing here reads the database or the clock.
 */

export const BULLETIN_STATUSES = ['DRAFT', 'APPROVED'] as const;
export type BulletinStatus = (typeof BULLETIN_STATUSES)[number];

export interface BulletinHeadline {
  total: number;
  good: number;
  bad: number;
  /** good / total, 0..1; null without ratings. */
  goodRate: number | null;
  /** Rectification cases whose deadline fell (or which were settled) in the period. */
  rectDue: number;
  rectDone: number;
  rectOnTime: number;
  /** rectDone / rectDue and rectOnTime / rectDue, 0..1; null when nothing was due. */
  rectRate: number | null;
  onTimeRate: number | null;
  /** Cases past their deadline and not rectified at the period's end. */
  overdue: number;
}

export interface BulletinRankingRow {
  rank: number | null;
  name: string;
  total: number;
  score: number | null;
  fairScore: number | null;
  note: string | null;
}

export interface BulletinTag {
  code: string;
  name: string;
  count: number;
}

export interface BulletinOverdue {
  department: string;
  count: number;
  /** Day (YYYY-MM-DD) of the oldest deadline missed. */
  oldestDue: string;
}

export interface BulletinProblem {
  subject: string;
  department: string;
  state: string;
  openedOn: string;
  cause: string | null;
  measures: string | null;
}

export interface BulletinCase {
  item: string;
  department: string;
  levelName: string;
  ratedOn: string;
  state: string;
  onTime: boolean | null;
  /** The department's reply, masked (no phone numbers, ID numbers or long digit runs). */
  outcome: string | null;
}

export interface BulletinContent {
  regionCode: string;
  regionName: string;
  period: string;
  title: string;
  headline: BulletinHeadline;
  rankingLabel: string;
  ranking: BulletinRankingRow[];
  /** The smaller regions ranked (各区县 of a city…), when the region has any. */
  regionRankingLabel: string | null;
  regionRanking: BulletinRankingRow[];
  rankingNote: string;
  badTags: BulletinTag[];
  overdue: BulletinOverdue[];
  problems: BulletinProblem[];
  cases: BulletinCase[];
}

export interface BulletinInput {
  regionCode: string;
  regionName: string;
  period: string;
  periodKind: 'MONTH' | 'QUARTER';
  counts: { total: number; good: number; bad: number };
  rect: { due: number; done: number; onTime: number; overdue: number };
  rankingLabel: string;
  minSample: number;
  ranking: BulletinRankingRow[];
  regionRankingLabel?: string | null;
  regionRanking?: BulletinRankingRow[];
  tags: Array<BulletinTag & { level: number }>;
  overdue: BulletinOverdue[];
  problems: BulletinProblem[];
  cases: BulletinCase[];
}

export const BULLETIN_TAGS = 10;
export const BULLETIN_CASES = 5;
export const BULLETIN_PROBLEMS = 20;

const rate = (n: number, d: number) => (d > 0 ? n / d : null);

/**
 * Free text for the published bulletin (公开): no personal data at all. Mobiles, ID numbers and any run of
 * 6+ digits are hidden whole, e-mail addresses too, and the people the text may name: the staff of the
 * region (`names`, replaced by their masked form) and the rater, whose name is known only masked
 * (`maskedNames`, 赵*宝: any text matching it is replaced by it).
 */
export function maskPublic(text: string | null, names: readonly string[] = [], maskedNames: readonly string[] = []): string | null {
  if (text === null) return null;
  let out = text.replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '***@***').replace(/\d{6,}[\dXx]?/g, (m) => '*'.repeat(m.length));
  for (const name of names) if (Array.from(name).length >= 2) out = out.split(name).join(maskName(name));
  for (const masked of maskedNames) {
    if (!masked.includes('*') || Array.from(masked).length < 2) continue;
    const pattern = Array.from(masked)
      .map((c) => (c === '*' ? '[^\\s\\d*，。、,.]' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    out = out.replace(new RegExp(pattern, 'gu'), masked);
  }
  return out.slice(0, 300);
}

/** Hides what could identify a person in free text: mobiles, ID numbers, any run of 6+ digits, e-mail addresses. */
export function maskPersonal(text: string | null): string | null {
  if (text === null) return null;
  return text
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '***@***')
    .replace(/(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)/g, '$1****$2')
    .replace(/\d{6,}[\dXx]?/g, (m) => (m.length > 4 ? `${m.slice(0, 2)}${'*'.repeat(m.length - 4)}${m.slice(-2)}` : m))
    .slice(0, 300);
}

export function periodTitle(period: string, kind: 'MONTH' | 'QUARTER'): string {
  const [y, rest] = period.split('-');
  return kind === 'MONTH' ? `${y}年${Number(rest)}月` : `${y}年第${rest!.slice(1)}季度`;
}

/** Assembles a bulletin: headline rates, the ranked units first, the worst tags, the rest cut to size. */
/** Ranked units by rank, then the unranked ones by their number of ratings. */
export function orderRanking(rows: BulletinRankingRow[]): BulletinRankingRow[] {
  const ranked = rows.filter((r) => r.rank !== null).sort((a, b) => a.rank! - b.rank!);
  const unranked = rows.filter((r) => r.rank === null).sort((a, b) => b.total - a.total || a.name.localeCompare(b.name, 'zh'));
  return [...ranked, ...unranked];
}

export function assembleBulletin(input: BulletinInput): BulletinContent {
  return {
    regionCode: input.regionCode,
    regionName: input.regionName,
    period: input.period,
    title: `${input.regionName}政务服务“好差评”${periodTitle(input.period, input.periodKind)}通报`,
    headline: {
      total: input.counts.total,
      good: input.counts.good,
      bad: input.counts.bad,
      goodRate: rate(input.counts.good, input.counts.total),
      rectDue: input.rect.due,
      rectDone: input.rect.done,
      rectOnTime: input.rect.onTime,
      rectRate: rate(input.rect.done, input.rect.due),
      onTimeRate: rate(input.rect.onTime, input.rect.due),
      overdue: input.rect.overdue,
    },
    rankingLabel: input.rankingLabel,
    ranking: orderRanking(input.ranking),
    regionRankingLabel: input.regionRankingLabel ?? null,
    regionRanking: orderRanking(input.regionRanking ?? []),
    rankingNote: `按综合得分的 Wilson 95% 置信下限排序；评价少于 ${input.minSample} 件的单位不参与排名。`,
    badTags: input.tags
      .filter((t) => t.level <= 2 && t.count > 0)
      .slice(0, BULLETIN_TAGS)
      .map(({ code, name, count }) => ({ code, name, count })),
    overdue: [...input.overdue].sort((a, b) => b.count - a.count || a.department.localeCompare(b.department, 'zh')),
    problems: input.problems.slice(0, BULLETIN_PROBLEMS),
    cases: input.cases.slice(0, BULLETIN_CASES).map((c) => ({ ...c, outcome: maskPersonal(c.outcome) })),
  };
}

export function percent(v: number | null): string {
  return v === null ? '—' : `${(v * 100).toFixed(2)}%`;
}

function esc(s: string | null | undefined): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The headline as label/value pairs (the HTML, the XLSX 概况 sheet and the dashboard show the same). */
export function headlineRows(h: BulletinHeadline): Array<[string, string]> {
  return [
    ['评价总数', String(h.total)],
    ['好评数', String(h.good)],
    ['差评数', String(h.bad)],
    ['好评率', percent(h.goodRate)],
    ['应整改件数', String(h.rectDue)],
    ['整改率', percent(h.rectRate)],
    ['按期整改率', percent(h.onTimeRate)],
    // Open at the period's end, whenever due: a case due earlier is not among the period's 应整改.
    ['逾期未整改（截至期末）', String(h.overdue)],
  ];
}

/**
 * The bulletin as one self-contained HTML page (inline CSS, an inline SVG bar chart of the ranking),
 * printed to PDF by Chromium. `fontCss` is an optional stylesheet URL with a CJK font (file://…).
 */
export function renderBulletinHtml(c: BulletinContent, opts: { fontCss?: string | null; status?: string } = {}): string {
  const table = (head: string[], rows: string[][]) =>
    `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${
      rows.length ? rows.map((r) => `<tr>${r.map((x) => `<td>${esc(x)}</td>`).join('')}</tr>`).join('') : `<tr><td colspan="${head.length}">无</td></tr>`
    }</tbody></table>`;
  const fmt = (v: number | null) => (v === null ? '—' : v.toFixed(2));
  const barH = 18;
  const chartOf = (rows: BulletinRankingRow[]) => {
    // Ranked units only, as on the dashboard: an unranked unit's bar would read as a place.
    const top = rows.filter((r) => r.rank !== null).slice(0, 15);
    return top.length
      ? `<svg width="640" height="${top.length * (barH + 6) + 10}" xmlns="http://www.w3.org/2000/svg">${top
          .map((r, i) => {
            const y = 5 + i * (barH + 6);
            const w = Math.max(1, Math.round(((r.fairScore ?? 0) / 100) * 400));
            return `<text x="0" y="${y + 13}" font-size="11">${esc(r.name.slice(0, 14))}</text><rect x="180" y="${y}" width="${w}" height="${barH}" fill="#2f6fd6"/><text x="${186 + w}" y="${y + 13}" font-size="11">${(r.fairScore ?? 0).toFixed(2)}</text>`;
          })
          .join('')}</svg>`
      : '';
  };
  const rankingTable = (rows: BulletinRankingRow[]) =>
    table(
      ['名次', '单位', '评价数', '综合得分', '公平得分', '说明'],
      rows.map((r) => [r.rank === null ? '未排名' : String(r.rank), r.name, String(r.total), fmt(r.score), fmt(r.fairScore), r.note ?? '']),
    );
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(c.title)}</title>
${opts.fontCss ? `<link rel="stylesheet" href="${esc(opts.fontCss)}">` : ''}
<style>
body{font-family:'Noto Sans SC','Droid Sans Fallback','Noto Sans CJK SC',sans-serif;font-size:12px;color:#222;margin:24px}
h1{font-size:20px;text-align:center;margin:0 0 4px}h2{font-size:15px;border-left:4px solid #2f6fd6;padding-left:6px;margin:18px 0 6px}
.sub{text-align:center;color:#666;margin-bottom:12px}table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:3px 6px;text-align:left}
th{background:#eef3fb}.cards{display:flex;flex-wrap:wrap;gap:8px}.card{border:1px solid #ccd;padding:6px 10px;min-width:120px}.card b{display:block;font-size:16px}
</style></head><body>
<h1>${esc(c.title)}</h1><div class="sub">${esc(c.regionName)}（${esc(c.regionCode)}） · ${esc(c.period)}${opts.status === 'DRAFT' ? ' · 草稿' : ''}</div>
<h2>一、总体情况</h2><div class="cards">${headlineRows(c.headline)
    .map(([k, v]) => `<div class="card">${esc(k)}<b>${esc(v)}</b></div>`)
    .join('')}</div>
<h2>二、综合排名</h2>${
    c.regionRankingLabel && c.regionRanking.length ? `<h3>${esc(c.regionRankingLabel)}</h3>${chartOf(c.regionRanking)}${rankingTable(c.regionRanking)}` : ''
  }<h3>${esc(c.rankingLabel)}</h3>${chartOf(c.ranking)}${rankingTable(c.ranking)}<p class="sub">${esc(c.rankingNote)}</p>
<h2>三、差评主要问题（标签）</h2>${table(
    ['标签', '次数'],
    c.badTags.map((t) => [t.name, String(t.count)]),
  )}
<h2>四、逾期未整改</h2>${table(
    ['部门', '件数', '最早到期'],
    c.overdue.map((o) => [o.department, String(o.count), o.oldestDue]),
  )}
<h2>五、共性问题</h2>${table(
    ['问题', '部门', '状态', '发现日期', '原因', '措施'],
    c.problems.map((p) => [p.subject, p.department, p.state, p.openedOn, p.cause ?? '', p.measures ?? '']),
  )}
<h2>六、典型案例</h2>${table(
    ['事项', '部门', '评价', '日期', '整改状态', '按期', '整改情况'],
    c.cases.map((x) => [x.item, x.department, x.levelName, x.ratedOn, x.state, x.onTime === null ? '—' : x.onTime ? '是' : '否', x.outcome ?? '']),
  )}
</body></html>`;
}
