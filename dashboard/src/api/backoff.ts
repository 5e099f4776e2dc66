/** Reconnect and retry delays: exponential from `baseMs`, capped at `maxMs`, with jitter so a hall full of screens does not reconnect in step. */
export function backoffDelay(attempt: number, options: { baseMs?: number; maxMs?: number; random?: () => number } = {}): number {
  const base = options.baseMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, Math.min(attempt, 20)));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
