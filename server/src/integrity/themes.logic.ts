import { maskPersonalDataInText } from '../common/pii-text.logic.js';

/**
 * 社情民意: what the comments say. Comments are cut into words (the segmenter is given: jieba in the
 * service), personal data masked first, our stop words and non-words dropped; terms are counted per
 * month, department and item; a term is rising when this month has at least `minCount` mentions and
 * at least `riseRatio` times the previous month's.
 */

/** Words that say nothing about a theme: function words, intensifiers, and what every comment says. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    '的 了 是 很 都 也 在 和 就 还 有 我 你 他 她 它 们 我们 你们 他们 这 那 这个 那个 这些 那些 不 没 没有 一个 一次 一下 ' +
    '非常 比较 特别 有点 有些 一些 可以 还是 还有 就是 但是 而且 所以 因为 如果 虽然 然后 已经 太 真 挺 最 更 再 又 才 ' +
    '吧 啊 呢 吗 哦 嗯 呀 哈 给 让 被 把 对 从 到 为 与 及 等 等等 之 其 或 并 而 但 却 只 只是 总是 一直 希望 感觉 觉得 ' +
    '办理 办事 办 事情 工作 服务 评价 满意 不满意 好评 差评 政务 大厅 中心 东西 问题 情况 时候 今天 昨天 现在 这里 那里 ' +
    '很多 多 少 好 不错 还行 可以 一般 谢谢 感谢 点赞'
  ).split(/\s+/),
);

/** The words of one comment that can be a theme: masked first, 2–8 characters, Chinese or letters, no stop word. */
export function themeTerms(comment: string, cut: (text: string) => string[]): string[] {
  const masked = maskPersonalDataInText(comment).text;
  const terms = new Set<string>();
  for (const raw of cut(masked)) {
    const word = raw.trim();
    const chars = [...word].length;
    if (chars < 2 || chars > 8) continue;
    if (!/^[\p{Script=Han}A-Za-z]+$/u.test(word)) continue;
    if (STOP_WORDS.has(word)) continue;
    terms.add(word);
  }
  return [...terms];
}

export interface ThemeComment {
  month: string;
  terms: readonly string[];
  departmentId: number;
  departmentName: string;
  itemId: number;
  itemName: string;
}

export interface ThemeCount {
  term: string;
  count: number;
  previousCount: number;
  rising: boolean;
  months: Array<{ month: string; count: number }>;
  departments: Array<{ id: number; name: string; count: number }>;
  items: Array<{ id: number; name: string; count: number }>;
}

function top<K>(m: Map<K, { name: string; count: number }>, n: number): Array<{ id: K; name: string; count: number }> {
  return [...m]
    .map(([id, v]) => ({ id, name: v.name, count: v.count }))
    .sort((a, b) => b.count - a.count)
    .slice(0, n);
}

/**
 * Counts every term (one mention per comment) in `month`, with the previous month, the months given
 * (oldest first) and the top departments and items; themes with fewer than `minCount` mentions this
 * month are left out. Sorted by rising first, then count.
 */
export function countThemes(
  comments: readonly ThemeComment[],
  month: string,
  previousMonth: string,
  months: readonly string[],
  opts: { minCount: number; riseRatio: number; limit: number },
): ThemeCount[] {
  interface Acc {
    byMonth: Map<string, number>;
    departments: Map<number, { name: string; count: number }>;
    items: Map<number, { name: string; count: number }>;
  }
  const acc = new Map<string, Acc>();
  for (const c of comments) {
    for (const term of c.terms) {
      const a = acc.get(term) ?? acc.set(term, { byMonth: new Map(), departments: new Map(), items: new Map() }).get(term)!;
      a.byMonth.set(c.month, (a.byMonth.get(c.month) ?? 0) + 1);
      if (c.month !== month) continue;
      const d = a.departments.get(c.departmentId) ?? a.departments.set(c.departmentId, { name: c.departmentName, count: 0 }).get(c.departmentId)!;
      d.count++;
      const i = a.items.get(c.itemId) ?? a.items.set(c.itemId, { name: c.itemName, count: 0 }).get(c.itemId)!;
      i.count++;
    }
  }
  const out: ThemeCount[] = [];
  for (const [term, a] of acc) {
    const count = a.byMonth.get(month) ?? 0;
    if (count < opts.minCount) continue;
    const previousCount = a.byMonth.get(previousMonth) ?? 0;
    out.push({
      term,
      count,
      previousCount,
      rising: isRising(count, previousCount, opts),
      months: months.map((m) => ({ month: m, count: a.byMonth.get(m) ?? 0 })),
      departments: top(a.departments, 3),
      items: top(a.items, 3),
    });
  }
  out.sort((x, y) => Number(y.rising) - Number(x.rising) || y.count - x.count || x.term.localeCompare(y.term));
  return out.slice(0, opts.limit);
}

/** Rising: enough mentions now, and at least `riseRatio` times the previous period's (a new term counts as rising). */
export function isRising(count: number, previous: number, opts: { minCount: number; riseRatio: number }): boolean {
  return count >= opts.minCount && count >= opts.riseRatio * Math.max(previous, 1) && count > previous;
}

/** `YYYY-MM` shifted by `n` months. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  const index = y! * 12 + (m! - 1) + n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}
