/**
 * Unified social credit codes (统一社会信用代码, GB 32100-2015), used to join ratings to the
 * accepting department in the item catalog (R25).
 *
 * Layout (1-based positions):
 *   1      registration authority (登记管理部门), e.g. '1' 机构编制, '5' 民政, '9' 工商
 *   2      organisation kind within that authority, e.g. '1' 机关 under authority '1'
 *   3–8    region code of the registering authority (6 digits)
 *   9–17   organisation body code (GB 11714), whose own check character is position 17
 *   18     check character over positions 1–17
 */

/** The 31 characters a credit code may contain, in value order (no I, O, Z, S, V). */
export const CREDIT_CODE_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

// Registration authorities of GB 32100-2015 table 1 (with later additions 'A' and 'N').
// Validating against them catches shifted or truncated codes that still pass the checksum.
const REGISTRATION_AUTHORITIES = '123456789ANY';

const ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;

/** Check character (position 18) for the first 17 characters of a credit code. */
export function creditCodeCheckChar(first17: string): string {
  if (first17.length !== 17) {
    throw new RangeError(`credit code body must be 17 characters, got ${first17.length}`);
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = CREDIT_CODE_CHARSET.indexOf(first17.charAt(i));
    if (value < 0) {
      throw new RangeError(`credit code character ${i + 1} must be one of ${CREDIT_CODE_CHARSET}, got '${first17.charAt(i)}'`);
    }
    sum += value * CREDIT_WEIGHTS[i]!;
  }
  // 31 - 0 = 31 has no character of its own: the standard maps it to '0'.
  return CREDIT_CODE_CHARSET.charAt((31 - (sum % 31)) % 31);
}

/**
 * Check character of a GB 11714 organisation code for its first 8 characters (digits or
 * upper-case letters, A = 10 … Z = 35): '0'–'9' or 'X'.
 */
export function organizationCodeCheckChar(first8: string): string {
  if (!/^[0-9A-Z]{8}$/.test(first8)) {
    throw new RangeError(`organisation code body must be 8 characters 0-9 A-Z, got '${first8}'`);
  }
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += parseInt(first8.charAt(i), 36) * ORG_CODE_WEIGHTS[i]!;
  const check = 11 - (sum % 11);
  if (check === 10) return 'X';
  return check === 11 ? '0' : String(check);
}

/**
 * Why a credit code is malformed, naming what was expected and what was received, or null when
 * it is valid. Deliberately does not enforce the organisation-code check at position 17: codes
 * issued to some bodies carry bodies that predate GB 11714 checks, and R25 wants such records
 * reported by the catalog join rather than rejected here.
 */
export function explainCreditCode(code: string): string | null {
  if (code.length !== 18) return `credit code must be 18 characters, got ${code.length}`;
  for (let i = 0; i < 18; i++) {
    const ch = code.charAt(i);
    if (CREDIT_CODE_CHARSET.includes(ch)) continue;
    if (CREDIT_CODE_CHARSET.includes(ch.toUpperCase())) {
      return `character ${i + 1} must be upper case, got '${ch}'`;
    }
    return `character ${i + 1} must be one of 0-9 A-H J-N P-R T-U W-Y (no I, O, Z, S, V), got '${ch}'`;
  }
  if (!REGISTRATION_AUTHORITIES.includes(code.charAt(0))) {
    return `character 1 (registration authority) must be one of 1-9, A, N, Y, got '${code.charAt(0)}'`;
  }
  if (!/^[1-9]$/.test(code.charAt(1))) {
    return `character 2 (organisation kind) must be a digit 1-9, got '${code.charAt(1)}'`;
  }
  const region = code.slice(2, 8);
  if (!/^\d{6}$/.test(region)) {
    return `characters 3-8 (region code) must be 6 digits, got '${region}'`;
  }
  const expected = creditCodeCheckChar(code.slice(0, 17));
  if (code.charAt(17) !== expected) {
    return `check character should be '${expected}', got '${code.charAt(17)}'`;
  }
  return null;
}

/** Whether a string is a well-formed credit code with a correct check character (R25). */
export function isValidCreditCode(code: string): boolean {
  return explainCreditCode(code) === null;
}

// An odd multiplier not divisible by 5 is a bijection modulo 10^8, so distinct serials give
// distinct, non-sequential-looking organisation bodies.
const ORG_BODY_MODULUS = 100_000_000;
const ORG_BODY_MULTIPLIER = 48_271;
const ORG_BODY_OFFSET = 13_572_468;

/**
 * A valid credit code for a government body (prefix '11': 机构编制 / 机关) in the given 6-digit
 * region, derived deterministically from a serial (0 ≤ serial < 10^8). Positions 9–17 form a valid
 * GB 11714 organisation code, so generated codes pass stricter validators too.
 */
export function makeCreditCode(regionCode6: string, serial: number): string {
  if (!/^\d{6}$/.test(regionCode6)) {
    throw new RangeError(`region code must be 6 digits, got '${regionCode6}'`);
  }
  if (!Number.isSafeInteger(serial) || serial < 0 || serial >= ORG_BODY_MODULUS) {
    throw new RangeError(`serial must be an integer 0–99999999, got ${serial}`);
  }
  const scrambled = (serial * ORG_BODY_MULTIPLIER + ORG_BODY_OFFSET) % ORG_BODY_MODULUS;
  const orgBody = String(scrambled).padStart(8, '0');
  const first17 = `11${regionCode6}${orgBody}${organizationCodeCheckChar(orgBody)}`;
  return first17 + creditCodeCheckChar(first17);
}
