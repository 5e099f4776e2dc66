/**
 * R5: the pure parts of rating by SMS: the invitation's text and short link, reading a reply
 * ("5", "5 很满意", "2态度不好") and comparing mobile numbers however they were written.
 */

/** Satisfaction levels as the interface codes them (docs/exchange.md): 5 = 非常满意 … 1 = 非常不满意. */
export const LEVEL_NAMES: Readonly<Record<number, string>> = { 5: '非常满意', 4: '满意', 3: '基本满意', 2: '不满意', 1: '非常不满意' };

export interface SmsReply {
  level: number;
  /** The words after the digit, if any (the comment of the rating). */
  comment: string | null;
}

const COMMENT_MAX = 500;

/**
 * A reply is one digit 1–5 (full-width digits too), optionally followed by words; anything else
 * ("12", "好", "") is not a rating and gives null.
 */
export function parseSmsReply(text: string): SmsReply | null {
  const normal = text.normalize('NFKC').trim();
  const match = /^([1-5])(?![0-9])[\s,，.。:：;；、!！-]*([\s\S]*)$/u.exec(normal);
  if (!match) return null;
  const comment = match[2]!.trim().slice(0, COMMENT_MAX);
  return { level: Number(match[1]), comment: comment || null };
}

/** A mainland mobile number in one spelling: digits only, without +86 / 0086. */
export function normalizeMobile(mobile: string): string {
  const digits = mobile.normalize('NFKC').replace(/\D/g, '');
  if (digits.length === 13 && digits.startsWith('86')) return digits.slice(2);
  if (digits.length === 15 && digits.startsWith('0086')) return digits.slice(4);
  return digits;
}

/** The short link's code: the invitation id and a keyed check, so codes cannot be guessed or walked. */
export function shortCode(invitationId: number, check: (value: string) => string): string {
  return `${invitationId.toString(36)}${check(`sms-link:${invitationId}`).slice(0, 10)}`;
}

/** The invitation id of a short code, or null when its check does not match. */
export function invitationOfCode(code: string, check: (value: string) => string): number | null {
  const match = /^([0-9a-z]{1,10})([0-9a-f]{10})$/.exec(code);
  if (!match) return null;
  const id = parseInt(match[1]!, 36);
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  return shortCode(id, check) === code ? id : null;
}

export function invitationText(service: { projectNo: string; nodeName: string }, link: string): string {
  return (
    `【政务服务好差评】您办理的"${service.nodeName}"（办件号${service.projectNo}）请评价：${link} ` +
    '或直接回复数字：5非常满意 4满意 3基本满意 2不满意 1非常不满意，不满意请在数字后写明原因（如"2 等待时间太长"）。'
  );
}

export const REASON_NEEDED_TEXT = '【政务服务好差评】收到您的评价。不满意的评价请写明原因，请回复数字和原因，例如"2 等待时间太长"，以便我们整改。';
