import { DAY_MS, SHANGHAI_OFFSET_MS, formatYmd, ymdOf } from '../common/calendar.js';

/**
 * R18: detectors of fake good reviews (刷好评) and other suspicious ratings, pure functions over rating
 * rows. Each returns signal drafts that explain themselves (Chinese text and machine fields) and list
 * the ratings they flag. The thresholds are settings (docs/assessment-integrity.md gives the reasons).
 */

export const SIGNAL_KINDS = ['BURST', 'SELF_RATING', 'IDENTICAL_COMMENT', 'OFF_HOURS', 'OUTLIER_DEPARTMENT'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

export const SIGNAL_KIND_NAMES: Record<SignalKind, string> = {
  BURST: '集中好评',
  SELF_RATING: '工作人员自评',
  IDENTICAL_COMMENT: '雷同评价内容',
  OFF_HOURS: '非办公时间窗口评价',
  OUTLIER_DEPARTMENT: '部门指标异常偏高',
};

export const SIGNAL_STATES = ['OPEN', 'UPHELD', 'DISMISSED'] as const;
export type SignalState = (typeof SIGNAL_STATES)[number];

export interface FraudThresholds {
  /** BURST: this many top ratings (level 5) from one source … */
  burstCount: number;
  /** … within this many minutes. */
  burstMinutes: number;
  /** IDENTICAL_COMMENT: normalized length (punctuation and spaces removed) at least this … */
  commentMinChars: number;
  /** … on at least this many different cases. */
  commentMinCases: number;
  /** OFF_HOURS: minutes of grace before opening and after closing (overtime service, clocks). */
  offHoursGraceMinutes: number;
  /** OFF_HOURS: at least this many off-hours ratings at one window on one day. */
  offHoursMinRatings: number;
  /** OUTLIER_DEPARTMENT: robust z-score above which a department's rate is far above its peers. */
  outlierZ: number;
  /** OUTLIER_DEPARTMENT: departments with fewer ratings in the period are not compared. */
  outlierMinRatings: number;
  /** OUTLIER_DEPARTMENT: no comparison with fewer peers than this. */
  outlierMinPeers: number;
}

/** One valid first rating (not a default) in the period, with where it was given. */
export interface DetectRow {
  id: number;
  caseId: number;
  level: number;
  channel: string;
  /** Who submitted it: `rater` (a rating token), `device`, `system`. */
  source: string;
  ratedAt: number;
  /** The submitting API key (device or system). */
  actorId: number | null;
  tokenIssuer: string | null;
  raterMobileHash: string | null;
  clientIpHash: string | null;
  comment: string | null;
  departmentId: number;
  departmentPath: string;
  departmentName: string;
  regionCode: string;
  /** The window the service was given at, and its opening hours. */
  windowId: number | null;
  windowName: string | null;
  openingHours: string | null;
  /** The staff member who served, and the window they sit at. */
  staffId: number | null;
  staffName: string | null;
  staffWindowId: number | null;
}

/** Per department in the period: ratings, good ratings, services completed (for the rating rate). */
export interface DepartmentTotals {
  departmentId: number;
  departmentPath: string;
  departmentName: string;
  regionCode: string;
  ratings: number;
  good: number;
  services: number;
}

export interface SignalDraft {
  kind: SignalKind;
  fingerprint: string;
  regionCode: string;
  departmentId: number | null;
  departmentPath: string | null;
  explanation: string;
  detail: Record<string, unknown>;
  ratingIds: number[];
  firstAt: number;
  lastAt: number;
}

const TOP_LEVEL = 5;

function timeText(ms: number): string {
  const local = new Date(ms + SHANGHAI_OFFSET_MS);
  const hh = String(local.getUTCHours()).padStart(2, '0');
  const mm = String(local.getUTCMinutes()).padStart(2, '0');
  return `${formatYmd(ymdOf(ms))} ${hh}:${mm}`;
}

/** The department most of the rows belong to (a signal is filed under one department). */
function homeOf(rows: readonly DetectRow[]): DetectRow {
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(r.departmentId, (counts.get(r.departmentId) ?? 0) + 1);
  let best = rows[0]!;
  for (const r of rows) if (counts.get(r.departmentId)! > counts.get(best.departmentId)!) best = r;
  return best;
}

function draft(kind: SignalKind, key: string, rows: readonly DetectRow[], explanation: string, detail: Record<string, unknown>): SignalDraft {
  const sorted = [...rows].sort((a, b) => a.ratedAt - b.ratedAt || a.id - b.id);
  const home = homeOf(sorted);
  return {
    kind,
    fingerprint: `${kind}:${key}:${sorted[0]!.id}`.slice(0, 200),
    regionCode: home.regionCode,
    departmentId: home.departmentId,
    departmentPath: home.departmentPath,
    explanation: explanation.slice(0, 500),
    detail,
    ratingIds: sorted.map((r) => r.id),
    firstAt: sorted[0]!.ratedAt,
    lastAt: sorted[sorted.length - 1]!.ratedAt,
  };
}

/**
 * The clusters of a time-sorted list in which at least `count` items fall within `windowMs` of each
 * other: every item in such a window is flagged, and flagged items closer than `windowMs` form one cluster.
 */
export function burstClusters<T extends { ratedAt: number }>(sorted: readonly T[], count: number, windowMs: number): T[][] {
  const flagged = new Array<boolean>(sorted.length).fill(false);
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]!.ratedAt - sorted[start]!.ratedAt > windowMs) start++;
    if (end - start + 1 >= count) for (let i = start; i <= end; i++) flagged[i] = true;
  }
  const clusters: T[][] = [];
  let current: T[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (!flagged[i]) continue;
    const last = current[current.length - 1];
    if (last && sorted[i]!.ratedAt - last.ratedAt > windowMs) {
      clusters.push(current);
      current = [];
    }
    current.push(sorted[i]!);
  }
  if (current.length) clusters.push(current);
  return clusters;
}

const BURST_SOURCES = [
  { key: 'DEVICE', name: '同一评价设备', of: (r: DetectRow) => (r.source === 'device' && r.actorId != null ? `apikey:${r.actorId}` : null) },
  { key: 'PHONE', name: '同一手机号', of: (r: DetectRow) => r.raterMobileHash },
  { key: 'ISSUER', name: '同一评价码签发方', of: (r: DetectRow) => r.tokenIssuer },
  // Only ratings made with a rating token: a device or system is known by its key (a system relays many raters from one address).
  { key: 'IP', name: '同一网络地址', of: (r: DetectRow) => (r.source === 'rater' ? r.clientIpHash : null) },
] as const;

/** BURST: many top ratings from one device, phone, token issuer or network address within minutes. */
export function detectBursts(rows: readonly DetectRow[], t: FraudThresholds, issuerAllowed: (issuer: string) => boolean = () => true): SignalDraft[] {
  const out: SignalDraft[] = [];
  const top = rows.filter((r) => r.level === TOP_LEVEL).sort((a, b) => a.ratedAt - b.ratedAt || a.id - b.id);
  for (const source of BURST_SOURCES) {
    const groups = new Map<string, DetectRow[]>();
    for (const r of top) {
      const key = source.of(r);
      if (!key || (source.key === 'ISSUER' && !issuerAllowed(key))) continue;
      const list = groups.get(key) ?? groups.set(key, []).get(key)!;
      list.push(r);
    }
    for (const [key, list] of groups) {
      if (list.length < t.burstCount) continue;
      for (const cluster of burstClusters(list, t.burstCount, t.burstMinutes * 60_000)) {
        const first = cluster[0]!;
        const last = cluster[cluster.length - 1]!;
        const minutes = Math.max(1, Math.round((last.ratedAt - first.ratedAt) / 60_000));
        out.push(
          draft(
            'BURST',
            `${source.key}:${key}`,
            cluster,
            `${source.name}在${timeText(first.ratedAt)}起约${minutes}分钟内提交了${cluster.length}条"非常满意"评价（阈值：${t.burstMinutes}分钟内${t.burstCount}条），疑似刷好评。`,
            { source: source.key, key, count: cluster.length, minutes, thresholdCount: t.burstCount, thresholdMinutes: t.burstMinutes },
          ),
        );
      }
    }
  }
  return out;
}

/**
 * SELF_RATING: a good rating (level 4–5) made with a rating token from the network address of the
 * serving staff member's own window device (that device's own submissions reveal its address).
 */
export function detectSelfRatings(rows: readonly DetectRow[]): SignalDraft[] {
  const deviceIps = new Map<number, Set<string>>();
  for (const r of rows) {
    if (r.source !== 'device' || r.windowId == null || !r.clientIpHash) continue;
    (deviceIps.get(r.windowId) ?? deviceIps.set(r.windowId, new Set()).get(r.windowId)!).add(r.clientIpHash);
  }
  const byStaff = new Map<number, DetectRow[]>();
  for (const r of rows) {
    if (r.source !== 'rater' || r.level < 4 || r.staffId == null || r.staffWindowId == null || !r.clientIpHash) continue;
    if (!deviceIps.get(r.staffWindowId)?.has(r.clientIpHash)) continue;
    (byStaff.get(r.staffId) ?? byStaff.set(r.staffId, []).get(r.staffId)!).push(r);
  }
  return [...byStaff].map(([staffId, list]) =>
    draft(
      'SELF_RATING',
      `STAFF:${staffId}`,
      list,
      `${list.length}条好评由群众评价码提交，但提交地址与经办人员${list[0]!.staffName ?? ''}所在窗口评价设备的地址相同，疑似工作人员代评或自评。`,
      { staffId, windowId: list[0]!.staffWindowId, count: list.length },
    ),
  );
}

/** A comment reduced to its words: spaces, punctuation and symbols removed, Latin letters lower-cased. */
export function normalizeComment(text: string): string {
  return text.replace(/[\s\p{P}\p{S}]/gu, '').toLowerCase();
}

/** IDENTICAL_COMMENT: the same (long enough) comment on several different cases. */
export function detectIdenticalComments(rows: readonly DetectRow[], t: FraudThresholds): SignalDraft[] {
  const groups = new Map<string, DetectRow[]>();
  for (const r of rows) {
    if (!r.comment) continue;
    const norm = normalizeComment(r.comment);
    if ([...norm].length < t.commentMinChars) continue;
    (groups.get(norm) ?? groups.set(norm, []).get(norm)!).push(r);
  }
  const out: SignalDraft[] = [];
  for (const [norm, list] of groups) {
    const cases = new Set(list.map((r) => r.caseId)).size;
    if (cases < t.commentMinCases) continue;
    const shown = list[0]!.comment!.slice(0, 60);
    out.push(
      draft(
        'IDENTICAL_COMMENT',
        `TEXT:${stableHash(norm)}`,
        list,
        `${cases}个不同办件的评价内容完全相同（"${shown}"），疑似批量提交（阈值：${t.commentMinCases}个办件、${t.commentMinChars}字以上）。`,
        { cases, count: list.length, chars: [...norm].length, thresholdCases: t.commentMinCases, thresholdChars: t.commentMinChars },
      ),
    );
  }
  return out;
}

/** Opening hours `1-5 08:30-17:30` (weekdays 1 = Monday … 7; several ranges with `,`: `1-5,6`). */
export interface OpeningHours {
  days: Set<number>;
  opensMin: number;
  closesMin: number;
}

export function parseOpeningHours(text: string): OpeningHours | null {
  const m = /^\s*([1-7](?:-[1-7])?(?:,[1-7](?:-[1-7])?)*)\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})\s*$/.exec(text);
  if (!m) return null;
  const days = new Set<number>();
  for (const part of m[1]!.split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let d = a!; d <= (b ?? a!); d++) days.add(d);
  }
  const opensMin = Number(m[2]) * 60 + Number(m[3]);
  const closesMin = Number(m[4]) * 60 + Number(m[5]);
  if (opensMin >= closesMin || closesMin > 24 * 60) return null;
  return { days, opensMin, closesMin };
}

/** Whether an instant is outside the hours (with grace), in Asia/Shanghai time. */
export function isOutsideHours(ms: number, hours: OpeningHours, graceMinutes: number): boolean {
  const local = ms + SHANGHAI_OFFSET_MS;
  const weekday = ((Math.floor(local / DAY_MS) + 3) % 7) + 1; // 1970-01-01 was a Thursday (4)
  if (!hours.days.has(weekday)) return true;
  const minute = Math.floor((local % DAY_MS) / 60_000);
  return minute < hours.opensMin - graceMinutes || minute >= hours.closesMin + graceMinutes;
}

/** OFF_HOURS: ratings given at a window (channel WINDOW) outside its opening hours, several on one day. */
export function detectOffHours(rows: readonly DetectRow[], t: FraudThresholds): SignalDraft[] {
  const groups = new Map<string, DetectRow[]>();
  for (const r of rows) {
    if (r.channel !== 'WINDOW' || r.windowId == null || !r.openingHours) continue;
    const hours = parseOpeningHours(r.openingHours);
    if (!hours || !isOutsideHours(r.ratedAt, hours, t.offHoursGraceMinutes)) continue;
    const key = `${r.windowId}:${ymdOf(r.ratedAt)}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(r);
  }
  const out: SignalDraft[] = [];
  for (const [key, list] of groups) {
    if (list.length < t.offHoursMinRatings) continue;
    const first = list[0]!;
    out.push(
      draft(
        'OFF_HOURS',
        `WINDOW:${key}`,
        list,
        `窗口"${first.windowName ?? first.windowId}"在${formatYmd(ymdOf(first.ratedAt))}非办公时间（${first.openingHours}，前后宽限${t.offHoursGraceMinutes}分钟）收到${list.length}条窗口评价。`,
        {
          windowId: first.windowId,
          day: formatYmd(ymdOf(first.ratedAt)),
          openingHours: first.openingHours,
          count: list.length,
          thresholdCount: t.offHoursMinRatings,
        },
      ),
    );
  }
  return out;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Robust z-scores (Iglewicz–Hoaglin): 0.6745 · (x − median) / MAD; null when MAD is 0 (no spread to measure). */
export function robustZ(values: readonly number[]): Array<number | null> {
  const m = median(values);
  const mad = median(values.map((v) => Math.abs(v - m)));
  return values.map((v) => (mad === 0 ? null : (0.6745 * (v - m)) / mad));
}

/**
 * OUTLIER_DEPARTMENT: a department whose good rate or rating rate (ratings per completed service) is
 * far above its peers (departments of the same region level with enough ratings). Lists no ratings:
 * upholding it records the finding (for supervision) and invalidates nothing by itself.
 */
export function detectOutliers(totals: readonly DepartmentTotals[], t: FraudThresholds, periodKey: string): SignalDraft[] {
  const peers = totals.filter((d) => d.ratings >= t.outlierMinRatings);
  if (peers.length < t.outlierMinPeers) return [];
  const out: SignalDraft[] = [];
  const metrics = [
    { key: 'GOOD_RATE', name: '好评率', of: (d: DepartmentTotals) => d.good / d.ratings },
    { key: 'RATING_RATE', name: '主动评价率', of: (d: DepartmentTotals) => (d.services > 0 ? d.ratings / d.services : 0) },
  ] as const;
  for (const metric of metrics) {
    const values = peers.map(metric.of);
    const zs = robustZ(values);
    const med = median(values);
    peers.forEach((d, i) => {
      const z = zs[i];
      if (z == null || z <= t.outlierZ) return;
      out.push({
        kind: 'OUTLIER_DEPARTMENT',
        fingerprint: `OUTLIER_DEPARTMENT:${metric.key}:${d.departmentId}:${periodKey}`,
        regionCode: d.regionCode,
        departmentId: d.departmentId,
        departmentPath: d.departmentPath,
        explanation: `${d.departmentName}${metric.name}为${pct(values[i]!)}，同组${peers.length}个部门中位数为${pct(med)}，稳健Z值${z.toFixed(1)}超过阈值${t.outlierZ}，明显偏高，请核查。`,
        detail: { metric: metric.key, value: values[i], median: med, z, peers: peers.length, ratings: d.ratings, threshold: t.outlierZ },
        ratingIds: [],
        firstAt: 0,
        lastAt: 0,
      });
    });
  }
  return out;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** FNV-1a, hex: a short stable key for a text in a fingerprint. */
export function stableHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** Every detector over one period's rows; drafts with the same fingerprint appear once. */
export function detectAll(
  rows: readonly DetectRow[],
  totals: readonly DepartmentTotals[],
  t: FraudThresholds,
  periodKey: string,
  issuerAllowed?: (issuer: string) => boolean,
): SignalDraft[] {
  const all = [
    ...detectBursts(rows, t, issuerAllowed),
    ...detectSelfRatings(rows),
    ...detectIdenticalComments(rows, t),
    ...detectOffHours(rows, t),
    ...detectOutliers(totals, t, periodKey),
  ];
  const seen = new Set<string>();
  return all.filter((d) => (seen.has(d.fingerprint) ? false : (seen.add(d.fingerprint), true)));
}

/** What a reviewer may do with a signal in a state. */
export function reviewError(state: string): string | null {
  return state === 'OPEN' ? null : `the signal has already been reviewed (${state})`;
}
