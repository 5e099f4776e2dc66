/**
 * Password rules of the level-3 profile (GB/T 22239-2019 身份鉴别): at least 8 characters of at least
 * three of the four kinds (lower case, upper case, digits, other), not on the list of passwords that
 * guessing tools try first, not containing the username, and none of the last five passwords again.
 */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
export const PASSWORD_HISTORY = 5;

/** Passwords (compared case-insensitively) that meet the kinds rule yet are tried first by guessing tools. */
const WEAK = [
  'password1',
  'password1!',
  'password123',
  'p@ssw0rd',
  'p@ssword1',
  'p@ssw0rd1',
  'passw0rd!',
  'admin123!',
  'admin@123',
  'admin@1234',
  'admin#123',
  'admin_123',
  'abc@1234',
  'abc123!@#',
  'abcd@1234',
  'abcd1234!',
  'qwer1234!',
  'qwer@1234',
  'qwe123!@#',
  '1qaz@wsx',
  '1qaz2wsx!',
  '1qaz!qaz',
  'zaq1@wsx',
  'test@123',
  'test@1234',
  'root@123',
  'welcome1!',
  'welcome@1',
  'changeme1!',
  'letmein1!',
  'aa123456!',
  'a1234567!',
  'a123456789',
  'aa123456',
  'abc12345',
  'abcd1234',
  'qwer1234',
  'qwerty123',
  'iloveyou1',
  'woaini1314',
  'woaini520',
  'huawei@123',
  'huawei123',
  'sysadmin1!',
  'hcp@1234',
  'demo-admin',
];
const WEAK_SET = new Set(WEAK);

export interface PasswordProblem {
  reason: 'length' | 'kinds' | 'weak' | 'username' | 'reused';
  message: string;
}

function kindsOf(password: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((re) => re.test(password)).length;
}

/** The first rule a new password breaks (history aside: that needs the stored hashes), or null. */
export function passwordProblem(password: string, username: string): PasswordProblem | null {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    return { reason: 'length', message: `a password has ${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} characters (密码长度至少 ${PASSWORD_MIN_LENGTH} 位)` };
  }
  if (kindsOf(password) < 3) {
    return {
      reason: 'kinds',
      message:
        'a password mixes at least three of: lower-case letters, upper-case letters, digits, other characters (至少包含大写字母、小写字母、数字、符号中的三类)',
    };
  }
  const lower = password.toLowerCase();
  if (WEAK_SET.has(lower))
    return { reason: 'weak', message: 'this password is on the list of common passwords that are guessed first (弱口令); choose another' };
  if (username.length >= 3 && lower.includes(username.toLowerCase())) {
    return { reason: 'username', message: 'a password must not contain the username (密码不得包含用户名)' };
  }
  return null;
}

/** Keeps the newest `PASSWORD_HISTORY` hashes (the current one first). */
export function nextHistory(currentHash: string, history: string[]): string[] {
  return [currentHash, ...history.filter((h) => h !== currentHash)].slice(0, PASSWORD_HISTORY);
}

/** Reads the stored history column (a JSON array of hashes; anything else counts as empty). */
export function parseHistory(stored: string | null): string[] {
  if (!stored) return [];
  try {
    const value: unknown = JSON.parse(stored);
    return Array.isArray(value) ? value.filter((h): h is string => typeof h === 'string') : [];
  } catch {
    return [];
  }
}
