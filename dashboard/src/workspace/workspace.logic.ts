/** Pure helpers of the department workspace: clocks, names, which queue each role sees. */
import { translate } from '../i18n/index.js';
import ws from '../i18n/zh/ws.js';

// The queues and the start page are used by the route table (in every page's entry), so they live apart.
export { QUEUES, startPage, type QueueView } from './queues.js';

/** A translator, as `useI18n().t`. */
export type Translate = (key: string, params?: Record<string, string | number>) => string;

// The default language's workspace strings (every key these helpers use is under `ws.`).
const chinese: Translate = (key, params) => translate({ ws }, key, params);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SHANGHAI = 8 * HOUR;

export type Tone = 'ok' | 'soon' | 'late' | 'paused' | 'none';

/** What a case's clock shows: time left or overdue, in days and hours, and how urgent it is. */
export function clockText(dueAt: string | null, now: number, paused: boolean, t: Translate = chinese): { text: string; tone: Tone } {
  if (paused) return { text: t('ws.clock.paused'), tone: 'paused' };
  if (!dueAt) return { text: '—', tone: 'none' };
  const left = Date.parse(dueAt) - now;
  const span = (ms: number) => {
    const d = Math.floor(ms / DAY);
    const h = Math.floor((ms % DAY) / HOUR);
    const m = Math.floor((ms % HOUR) / 60_000);
    return d > 0 ? t('ws.clock.days', { d, h }) : h > 0 ? t('ws.clock.hours', { h, m }) : t('ws.clock.minutes', { m });
  };
  if (left <= 0) return { text: t('ws.clock.late', { span: span(-left) }), tone: 'late' };
  return { text: t('ws.clock.left', { span: span(left) }), tone: left < DAY ? 'soon' : 'ok' };
}

/** Deadlines end at 24:00 of a Shanghai day: shown as that day. */
export function deadlineDay(dueAt: string | null): string {
  if (!dueAt) return '—';
  const d = new Date(Date.parse(dueAt) - 1 + SHANGHAI);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** Shanghai wall-clock time, "2026-11-20 10:00". */
export function shanghaiTime(iso: string): string {
  const d = new Date(Date.parse(iso) + SHANGHAI);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

/** The choices of the verify, classify and appeal forms, in the order shown (names under `ws.finding.` etc.). */
export const FINDINGS = ['FOUNDED', 'UNFOUNDED', 'MALICIOUS'] as const;
export const CLASSES = ['SIMPLE', 'GENERAL', 'COMPLEX'] as const;
export const DECISIONS = ['UPHELD', 'MALICIOUS', 'REJECTED'] as const;

/**
 * A name the server also sends (states, steps, levels): the catalog's, so it follows the language; the
 * server's own when the catalog lacks the key (a state added on the server shows before it is translated).
 */
export function nameOf(t: Translate, key: string, serverName: string): string {
  const text = t(key);
  return text === key ? serverName : text;
}

/** Who took a step: the system and the rater by the catalog's name, a person by the name the server sends. */
export function actorName(t: Translate, step: { actor: string; actorRole: string }): string {
  return step.actorRole === 'system' || step.actorRole === 'rater' ? nameOf(t, `ws.actor.${step.actorRole}`, step.actor) : step.actor;
}

/** The other pages of the navigation, by role (every signed-in person also has 修改密码). */
export const PAGES: Array<{ name: string; labelKey: string; roles: string[] }> = [
  { name: 'workspace-figures', labelKey: 'ws.figuresNav', roles: ['department', 'supervisor', 'admin'] },
  { name: 'workspace-department', labelKey: 'ws.deptNav', roles: ['department', 'supervisor', 'admin'] },
  { name: 'workspace-assessment', labelKey: 'ws.assessmentNav', roles: ['department', 'supervisor', 'admin'] },
  { name: 'workspace-bulletins', labelKey: 'ws.bulletinsNav', roles: ['supervisor', 'admin'] },
  { name: 'workspace-problems', labelKey: 'ws.problemsNav', roles: ['department', 'supervisor', 'admin'] },
  { name: 'workspace-integrity', labelKey: 'ws.integrityNav', roles: ['department', 'supervisor', 'admin'] },
  { name: 'workspace-quality', labelKey: 'ws.qualityNav', roles: ['department', 'supervisor', 'admin'] },
  { name: 'workspace-hotline', labelKey: 'ws.hotlineNav', roles: ['hotline'] },
  { name: 'workspace-outbox', labelKey: 'ws.outboxNav', roles: ['admin'] },
  { name: 'workspace-import', labelKey: 'ws.importNav', roles: ['admin'] },
  { name: 'workspace-users', labelKey: 'ws.accountsNav', roles: ['security'] },
  { name: 'workspace-keys', labelKey: 'ws.keysNav', roles: ['security'] },
  { name: 'workspace-audit', labelKey: 'ws.auditNav', roles: ['auditor'] },
];

/** Names of attached files (only the names are recorded, R15). */
export function attachmentNames(files: ArrayLike<{ name: string }> | null): string[] {
  return files ? Array.from(files, (f) => f.name).slice(0, 10) : [];
}

/** RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled; null is empty. */
export function toCsv(rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  const cell = (v: string | number | null | undefined) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/**
 * A change between two figures as the department page shows it: an arrow (↑ better or more, ↓ less,
 * → none) and the size; rates in percentage points, levels to two decimals, counts whole. "—" when unknown.
 */
export function deltaText(delta: number | null | undefined, kind: 'rate' | 'level' | 'count', t: Translate = chinese): string {
  if (delta === null || delta === undefined || !Number.isFinite(delta)) return '—';
  const size = kind === 'rate' ? Math.abs(delta * 100) : Math.abs(delta);
  const digits = kind === 'count' ? 0 : kind === 'rate' ? 1 : 2;
  const rounded = Number(size.toFixed(digits));
  if (rounded === 0) return `→ ${kind === 'rate' ? t('ws.dept.points', { n: '0' }) : '0'}`;
  const arrow = delta > 0 ? '↑' : '↓';
  const text = rounded.toFixed(digits);
  return `${arrow} ${kind === 'rate' ? t('ws.dept.points', { n: text }) : text}`;
}

/** The longest range the department page shows day by day (the server's limit for a day trend). */
export const MAX_TREND_DAYS = 366;

/**
 * The trend granularity the department page asks for: days up to `MAX_TREND_DAYS` (from and to
 * included), months beyond, so a range of any length has a trend. Days are YYYY-MM-DD.
 */
export function trendGranularity(from: string, to: string): 'DAY' | 'MONTH' {
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY + 1;
  return Number.isFinite(days) && days > MAX_TREND_DAYS ? 'MONTH' : 'DAY';
}
