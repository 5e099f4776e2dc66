/**
 * Scope keys name where a figure is counted and what a change touched: "T" (everything), "R:<region
 * code>", "D:<department id>", "I:<item id>", "S:<staff id>". Rollup rows, change events and live
 * topics all use them; they are built here and nowhere else.
 */
export const scopeKey = {
  total: 'T',
  region: (code: string): string => `R:${code}`,
  department: (id: number | string): string => `D:${id}`,
  item: (id: number | string): string => `I:${id}`,
  staff: (id: number | string): string => `S:${id}`,
  /** A live topic that listens to every staff member's scope (a per-staff breakdown). */
  anyStaff: 'S:*',
} as const;
