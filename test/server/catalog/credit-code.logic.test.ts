import { describe, it, expect } from 'vitest';
import {
  CREDIT_CODE_CHARSET,
  creditCodeCheckChar,
  explainCreditCode,
  isValidCreditCode,
  makeCreditCode,
  organizationCodeCheckChar,
} from '../../../server/src/catalog/credit-code.logic.js';

// Published codes: the worked example of GB 32100-2015, and the codes of Huawei Technologies,
// Tencent (Shenzhen) and Alibaba (China) as printed on their business licences.
const PUBLISHED = ['91350100M000100Y43', '914403001922038216', '9144030071526726XG', '91330100716105852F'];

describe('creditCodeCheckChar', () => {
  it('reproduces the check character of published codes (R25)', () => {
    for (const code of PUBLISHED) expect(creditCodeCheckChar(code.slice(0, 17))).toBe(code.charAt(17));
  });

  it("maps a remainder of 0 to '0', not to a 32nd character (R25)", () => {
    expect(creditCodeCheckChar('11419900000000012')).toBe('0');
    expect(isValidCreditCode('114199000000000120')).toBe(true);
  });

  it('rejects a body of the wrong length or with characters outside the charset', () => {
    expect(() => creditCodeCheckChar('1234')).toThrow('credit code body must be 17 characters, got 4');
    expect(() => creditCodeCheckChar('91350100M000100O4')).toThrow('character 16 must be one of');
  });
});

describe('organizationCodeCheckChar', () => {
  it('reproduces the GB 11714 check of published organisation codes (R25)', () => {
    expect(organizationCodeCheckChar('19220382')).toBe('1');
    expect(organizationCodeCheckChar('71610585')).toBe('2');
    expect(organizationCodeCheckChar('M000100Y')).toBe('4');
  });

  it("writes 10 as 'X' and 11 as '0'", () => {
    expect(organizationCodeCheckChar('71526726')).toBe('X');
    expect(organizationCodeCheckChar('12345001')).toBe('X');
    expect(organizationCodeCheckChar('12345006')).toBe('0');
  });
});

describe('isValidCreditCode / explainCreditCode', () => {
  it('accepts published codes (R25)', () => {
    for (const code of PUBLISHED) {
      expect(explainCreditCode(code)).toBeNull();
      expect(isValidCreditCode(code)).toBe(true);
    }
  });

  it('names the expected and received check character (R25)', () => {
    expect(explainCreditCode('91350100M000100Y44')).toBe("check character should be '3', got '4'");
    expect(isValidCreditCode('91350100M000100Y44')).toBe(false);
  });

  it('rejects lower case, naming the position (R25)', () => {
    expect(explainCreditCode('91350100m000100y43')).toBe("character 9 must be upper case, got 'm'");
  });

  it.each(['I', 'O', 'Z', 'S', 'V'])("rejects the excluded letter '%s' (R25)", (letter) => {
    const code = `91350100M000100${letter}43`;
    expect(explainCreditCode(code)).toBe(`character 16 must be one of 0-9 A-H J-N P-R T-U W-Y (no I, O, Z, S, V), got '${letter}'`);
    expect(isValidCreditCode(code.toLowerCase())).toBe(false);
  });

  it.each([
    ['', 0],
    ['91350100M000100Y4', 17],
    ['91350100M000100Y430', 19],
  ])("rejects '%s' for its length %i (R25)", (code, length) => {
    expect(explainCreditCode(code)).toBe(`credit code must be 18 characters, got ${length}`);
  });

  it('checks the registration authority, the kind and the region part even when the checksum fits (R25)', () => {
    const withCheck = (first17: string): string => first17 + creditCodeCheckChar(first17);
    expect(explainCreditCode(withCheck('B1350100M000100Y4'))).toBe("character 1 (registration authority) must be one of 1-9, A, N, Y, got 'B'");
    expect(explainCreditCode(withCheck('90350100M000100Y4'))).toBe("character 2 (organisation kind) must be a digit 1-9, got '0'");
    expect(explainCreditCode(withCheck('9135A100M000100Y4'))).toBe("characters 3-8 (region code) must be 6 digits, got '35A100'");
  });

  it('detects every single-character substitution of a valid code (R25)', () => {
    const code = PUBLISHED[1]!;
    for (let i = 0; i < 18; i++) {
      for (const ch of CREDIT_CODE_CHARSET) {
        if (ch === code.charAt(i)) continue;
        const mutated = code.slice(0, i) + ch + code.slice(i + 1);
        expect(isValidCreditCode(mutated), mutated).toBe(false);
      }
    }
  });

  it('detects swaps of adjacent distinct characters in the weighted part (R25)', () => {
    const code = PUBLISHED[0]!;
    for (let i = 0; i < 16; i++) {
      if (code.charAt(i) === code.charAt(i + 1)) continue;
      const swapped = code.slice(0, i) + code.charAt(i + 1) + code.charAt(i) + code.slice(i + 2);
      expect(isValidCreditCode(swapped), swapped).toBe(false);
    }
  });
});

describe('makeCreditCode', () => {
  it('builds valid government-body codes in the given region (R25)', () => {
    const code = makeCreditCode('419902', 42);
    expect(code).toHaveLength(18);
    expect(code.slice(0, 8)).toBe('11419902');
    expect(isValidCreditCode(code)).toBe(true);
  });

  it('embeds a valid GB 11714 organisation code at positions 9–17 (R25)', () => {
    for (const serial of [0, 1, 7, 1234, 99_999_999]) {
      const code = makeCreditCode('110101', serial);
      expect(organizationCodeCheckChar(code.slice(8, 16))).toBe(code.charAt(16));
      expect(isValidCreditCode(code)).toBe(true);
    }
  });

  it('is deterministic and gives distinct codes for distinct serials', () => {
    expect(makeCreditCode('419900', 5)).toBe(makeCreditCode('419900', 5));
    const codes = new Set(Array.from({ length: 10_000 }, (_, i) => makeCreditCode('419900', i)));
    expect(codes.size).toBe(10_000);
  });

  it('rejects a malformed region or serial, saying what it got', () => {
    expect(() => makeCreditCode('41990', 1)).toThrow("region code must be 6 digits, got '41990'");
    expect(() => makeCreditCode('419900', -1)).toThrow('serial must be an integer 0–99999999, got -1');
    expect(() => makeCreditCode('419900', 1.5)).toThrow('got 1.5');
    expect(() => makeCreditCode('419900', 100_000_000)).toThrow('got 100000000');
  });
});
