/**
 * 12-digit administrative region codes (行政区划代码, R4): PP CC DD TTT VVV =
 * province, city, county/district, township, village. A level's segment is all zeros above it.
 */

/** The five levels of the region hierarchy (R4), from the top. */
export type RegionLevel = 'PROVINCE' | 'CITY' | 'DISTRICT' | 'TOWNSHIP' | 'VILLAGE';

// End offset (exclusive) of each level's segment: a code at a level is its first `end` digits
// followed by zeros.
const SEGMENTS: ReadonlyArray<{ level: RegionLevel; start: number; end: number }> = [
  { level: 'PROVINCE', start: 0, end: 2 },
  { level: 'CITY', start: 2, end: 4 },
  { level: 'DISTRICT', start: 4, end: 6 },
  { level: 'TOWNSHIP', start: 6, end: 9 },
  { level: 'VILLAGE', start: 9, end: 12 },
];

const isZero = (s: string): boolean => /^0+$/.test(s);

// Index in SEGMENTS of the last non-zero segment: the code's own level.
function lastSegmentIndex(code: string): number {
  for (let i = SEGMENTS.length - 1; i > 0; i--) {
    const { start, end } = SEGMENTS[i]!;
    if (!isZero(code.slice(start, end))) return i;
  }
  return 0;
}

/**
 * Why a string is not a 12-digit region code, or null when it is one. A zero county segment is
 * allowed under a city because cities without counties (东莞 441900, 中山 442000) number their
 * townships directly; any other zero segment above a non-zero one is malformed.
 */
export function explainRegionCode(code: string): string | null {
  if (!/^\d{12}$/.test(code)) return `region code must be 12 digits, got '${code}'`;
  if (code.startsWith('00')) return `region code must have a non-zero province, got '${code}'`;
  const own = lastSegmentIndex(code);
  for (let i = 1; i < own; i++) {
    const { level, start, end } = SEGMENTS[i]!;
    if (level === 'DISTRICT') continue;
    if (isZero(code.slice(start, end))) {
      return `region code has a zero ${level.toLowerCase()} segment above a non-zero one, got '${code}'`;
    }
  }
  return null;
}

/** Whether a string is a well-formed 12-digit region code. */
export function isValidRegionCode(code: string): boolean {
  return explainRegionCode(code) === null;
}

// The other functions assume a valid code: a malformed one is a programming or data error, and
// guessing a level for it would silently widen or narrow a scope check.
function assertRegionCode(code: string): void {
  const reason = explainRegionCode(code);
  if (reason !== null) throw new Error(reason);
}

/** The level of a valid 12-digit region code; throws on a malformed code. */
export function regionLevelOf(code: string): RegionLevel {
  assertRegionCode(code);
  return SEGMENTS[lastSegmentIndex(code)]!.level;
}

/** The code one level up (a county-less city's township goes straight to the city), or null for a province. */
export function regionParentOf(code: string): string | null {
  assertRegionCode(code);
  const own = lastSegmentIndex(code);
  if (own === 0) return null;
  return code.slice(0, SEGMENTS[own]!.start).padEnd(12, '0');
}

/** The chain from the province down to and including the code itself. */
export function regionAncestors(code: string): string[] {
  const chain: string[] = [];
  for (let c: string | null = code; c !== null; c = regionParentOf(c)) chain.unshift(c);
  return chain;
}

/**
 * Pad a 6-digit (county), 9-digit (township, GB/T 39046 行政区划 n..9) or 12-digit code to 12
 * digits. Throws when the input is not such a string of digits or does not form a valid code.
 */
export function normalizeRegionCode(code: string): string {
  const trimmed = code.trim();
  if (!/^\d+$/.test(trimmed)) {
    throw new Error(`region code must contain only digits, got '${code}'`);
  }
  if (![6, 9, 12].includes(trimmed.length)) {
    throw new Error(`region code must be 6, 9 or 12 digits, got ${trimmed.length} ('${code}')`);
  }
  const padded = trimmed.padEnd(12, '0');
  assertRegionCode(padded);
  return padded;
}

/** Whether `code` is `ancestorCode` itself or lies inside it. */
export function isWithinRegion(code: string, ancestorCode: string): boolean {
  assertRegionCode(code);
  assertRegionCode(ancestorCode);
  // A region's descendants are exactly the codes sharing its significant prefix.
  const significant = SEGMENTS[lastSegmentIndex(ancestorCode)]!.end;
  return code.slice(0, significant) === ancestorCode.slice(0, significant);
}
