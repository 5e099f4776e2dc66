/** Pure helpers of the department workspace: clocks, labels, which queue each role sees. */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SHANGHAI = 8 * HOUR;

export type Tone = 'ok' | 'soon' | 'late' | 'paused' | 'none';

/** What a case's clock shows: time left or overdue, in days and hours, and how urgent it is. */
export function clockText(dueAt: string | null, now: number, paused: boolean): { text: string; tone: Tone } {
  if (paused) return { text: '申诉中，计时暂停', tone: 'paused' };
  if (!dueAt) return { text: '—', tone: 'none' };
  const left = Date.parse(dueAt) - now;
  const span = (ms: number) => {
    const d = Math.floor(ms / DAY);
    const h = Math.floor((ms % DAY) / HOUR);
    const m = Math.floor((ms % HOUR) / 60_000);
    return d > 0 ? `${d}天${h}小时` : h > 0 ? `${h}小时${m}分` : `${m}分`;
  };
  if (left <= 0) return { text: `已超期${span(-left)}`, tone: 'late' };
  return { text: `剩余${span(left)}`, tone: left < DAY ? 'soon' : 'ok' };
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

export const ACTION_LABELS: Record<string, string> = {
  DISPATCH: '转办', VERIFY: '核实', CLASSIFY: '定性', RECTIFY: '整改', FEED_BACK: '反馈群众', CALL_BACK: '回访',
  CLOSE: '办结', APPEAL: '申诉', DECIDE_APPEAL: '申诉复核', EXTEND: '申请延期',
};
export const FINDING_LABELS: Record<string, string> = { FOUNDED: '属实', UNFOUNDED: '不属实（已解释）', MALICIOUS: '疑似恶意差评' };
export const CLASS_LABELS: Record<string, string> = { SIMPLE: '立整立改', GENERAL: '限时整改', COMPLEX: '综合协调' };
export const DECISION_LABELS: Record<string, string> = { UPHELD: '申诉成立（评价作废）', MALICIOUS: '认定恶意差评（评价作废）', REJECTED: '申诉不成立（继续整改）' };
export const LEVEL_LABELS: Record<number, string> = { 5: '非常满意', 4: '满意', 3: '基本满意', 2: '不满意', 1: '非常不满意' };

export interface QueueView { name: string; path: string; label: string; filter: Record<string, unknown>; roles: string[] }

/** The queues in the workspace's navigation, by role. */
export const QUEUES: QueueView[] = [
  { name: 'workspace-queue', path: 'queue', label: '待办工单', filter: { states: ['OPENED', 'DISPATCHED', 'VERIFIED', 'CLASSIFIED', 'RECTIFIED', 'CALLED_BACK'] }, roles: ['department', 'supervisor', 'admin'] },
  { name: 'workspace-callbacks', path: 'callbacks', label: '待回访', filter: { states: ['FED_BACK'] }, roles: ['hotline', 'department', 'supervisor', 'admin'] },
  { name: 'workspace-appeals', path: 'appeals', label: '申诉复核', filter: { states: ['APPEALED'] }, roles: ['supervisor', 'department', 'admin'] },
  { name: 'workspace-overdue', path: 'overdue', label: '超期工单', filter: { overdue: true }, roles: ['supervisor', 'department', 'admin'] },
  { name: 'workspace-all', path: 'all', label: '全部工单', filter: {}, roles: ['department', 'supervisor', 'hotline', 'admin'] },
];

/** Names of attached files (only the names are recorded, R15). */
export function attachmentNames(files: ArrayLike<{ name: string }> | null): string[] {
  return files ? Array.from(files, (f) => f.name).slice(0, 10) : [];
}
