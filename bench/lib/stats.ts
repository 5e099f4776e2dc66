/** Timing statistics shared by the scenarios and the load workers. */

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes on this machine. */
export const wallMs = (): number => performance.timeOrigin + performance.now();

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Percentiles (nearest rank), min, max and mean of `values`, rounded to microseconds. */
export function summarize(values: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return { n: 0, min: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return { n, min: r(sorted[0]!), p50: r(at(0.5)), p95: r(at(0.95)), p99: r(at(0.99)), max: r(sorted[n - 1]!), mean: r(sum / n) };
}
