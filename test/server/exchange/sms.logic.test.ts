import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { invitationOfCode, normalizeMobile, parseSmsReply, shortCode } from '../../../server/src/exchange/sms.logic.js';

describe('reading SMS replies and short links (R5)', () => {
  it('takes one digit 1–5 with optional words as a rating, 5 = 非常满意', () => {
    expect(parseSmsReply('5')).toEqual({ level: 5, comment: null });
    expect(parseSmsReply(' 5 很满意 ')).toEqual({ level: 5, comment: '很满意' });
    expect(parseSmsReply('5很好')).toEqual({ level: 5, comment: '很好' });
    expect(parseSmsReply('2，态度不好')).toEqual({ level: 2, comment: '态度不好' });
    expect(parseSmsReply('１ 没办成')).toEqual({ level: 1, comment: '没办成' });
    for (const text of ['', '好', '0', '6', '12', '55 很好', '五']) expect(parseSmsReply(text)).toBeNull();
  });

  it('compares mobile numbers however they were written', () => {
    for (const m of ['13900000004', '+86 139-0000-0004', '0086 13900000004', '８６13900000004']) expect(normalizeMobile(m)).toBe('13900000004');
  });

  it('accepts only short codes it issued', () => {
    const check = (v: string) => createHmac('sha256', 'k').update(v).digest('hex');
    const code = shortCode(12345, check);
    expect(invitationOfCode(code, check)).toBe(12345);
    expect(invitationOfCode(shortCode(12346, check).slice(0, -10) + code.slice(-10), check)).toBeNull();
    expect(invitationOfCode('zz', check)).toBeNull();
  });
});
