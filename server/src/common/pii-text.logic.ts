import { maskCertNo, maskPhone } from './mask.logic.js';

/**
 * Personal data typed into free text (R12): a rater may write their mobile, ID or bank card number,
 * or an e-mail address, into a comment. Such numbers are masked before anyone sees the comment; the
 * original is sealed like other personal data. Detection is strict where a check exists (ID check
 * character, Luhn for cards), so order numbers and dates are left alone.
 */
export type TextPiiKind = 'MOBILE' | 'ID_NUMBER' | 'BANK_CARD' | 'EMAIL';

export interface MaskedText {
  text: string;
  found: TextPiiKind[];
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;

/** ISO 7064 MOD 11-2 check character of a resident ID number (GB 11643) over its first 17 digits. */
export function idCardCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17.charAt(i)) * ID_WEIGHTS[i]!;
  return '10X98765432'.charAt(sum % 11);
}

/** An 18-character resident ID number whose check character is right. */
export function isIdNumber(value: string): boolean {
  return /^\d{17}[\dXx]$/.test(value) && idCardCheckChar(value.slice(0, 17)) === value.charAt(17).toUpperCase();
}

/** The Luhn check of payment card numbers. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits.charAt(digits.length - 1 - i));
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

// Digit runs may be written with spaces or dashes between groups ("138 1234 5678", "6222-0212-…").
const DIGIT_RUN = /(?<![\dA-Za-z])(?:\+?86[\s-]?)?\d(?:[\s-]?\d){9,18}[Xx]?(?![\dA-Za-z])/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** Masks every mobile, ID, bank card number and e-mail address in `text`; says which kinds it found. */
export function maskPersonalDataInText(text: string): MaskedText {
  const found = new Set<TextPiiKind>();
  let out = text.replace(EMAIL, (email) => {
    found.add('EMAIL');
    const [user, domain] = email.split('@') as [string, string];
    return `${user.charAt(0)}***@${domain}`;
  });
  out = out.replace(DIGIT_RUN, (run) => {
    const compact = run.replace(/[\s-]/g, '').replace(/^\+?86(?=1\d{10}$)/, '');
    if (/^1[3-9]\d{9}$/.test(compact)) {
      found.add('MOBILE');
      return maskPhone(compact);
    }
    if (isIdNumber(compact)) {
      found.add('ID_NUMBER');
      return maskCertNo(compact);
    }
    if (/^\d{16,19}$/.test(compact) && passesLuhn(compact)) {
      found.add('BANK_CARD');
      return `${'*'.repeat(compact.length - 4)}${compact.slice(-4)}`;
    }
    return run;
  });
  return { text: out, found: [...found] };
}
