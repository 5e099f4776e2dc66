import { describe, expect, it } from 'vitest';
import { idCardCheckChar, isIdNumber, maskPersonalDataInText, passesLuhn } from '../../../server/src/common/pii-text.logic.js';

const ID = `41010219900307${'123'}`;
const VALID_ID = ID + idCardCheckChar(ID);
const CARD = '6222021234567890128'; // passes Luhn (19 digits)

describe('maskPersonalDataInText (R12)', () => {
  it('masks mobile numbers, written plain, spaced or with +86', () => {
    expect(maskPersonalDataInText('请回电13987654321谢谢').text).toBe('请回电139****4321谢谢');
    expect(maskPersonalDataInText('电话 139 8765 4321').text).toBe('电话 139****4321');
    expect(maskPersonalDataInText('+86 13987654321').text).toBe('139****4321');
    expect(maskPersonalDataInText('13987654321').found).toEqual(['MOBILE']);
  });

  it('masks ID numbers only when their check character is right', () => {
    expect(isIdNumber(VALID_ID)).toBe(true);
    expect(maskPersonalDataInText(`身份证${VALID_ID}`).text).toBe(`身份证${VALID_ID.slice(0, 6)}********${VALID_ID.slice(-4)}`);
    const wrongCheck = ID + (idCardCheckChar(ID) === '1' ? '2' : '1');
    expect(maskPersonalDataInText(`编号${wrongCheck}`).text).toBe(`编号${wrongCheck}`);
  });

  it('masks bank card numbers that pass the Luhn check, keeping the last four digits', () => {
    expect(passesLuhn(CARD)).toBe(true);
    expect(maskPersonalDataInText(`卡号${CARD}`).text).toBe(`卡号${'*'.repeat(15)}0128`);
    expect(maskPersonalDataInText('卡号 6222 0212 3456 7890 128').found).toEqual(['BANK_CARD']);
  });

  it('masks e-mail addresses', () => {
    expect(maskPersonalDataInText('邮箱 zhang.san@example.com').text).toBe('邮箱 z***@example.com');
  });

  it('leaves dates, case numbers and ordinary text alone', () => {
    for (const text of ['2026-11-30 办理', '办件号 20261130000123', '等了45分钟', '窗口A01态度很好', '']) {
      expect(maskPersonalDataInText(text)).toEqual({ text, found: [] });
    }
  });
});
