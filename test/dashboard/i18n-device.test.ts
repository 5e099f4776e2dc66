import { describe, expect, it } from 'vitest';
import { initialLocale, translate } from '../../dashboard/src/i18n/index.js';
import { en } from '../../dashboard/src/i18n/en.js';
import { zhCN } from '../../dashboard/src/i18n/zh-CN.js';
import { FOLLOW_UP_THANKS_MS, followUpThanksMs, isKeyRejected, rememberShown, shouldShowPresentation } from '../../dashboard/src/window/device.js';

function keys(node: unknown, prefix = ''): string[] {
  if (typeof node !== 'object' || node === null) return [prefix];
  return Object.entries(node).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe('i18n', () => {
  it('defaults to Simplified Chinese; ?lang=en or a saved choice switches to English', () => {
    expect(initialLocale('', null)).toBe('zh-CN');
    expect(initialLocale('?lang=en', null)).toBe('en');
    expect(initialLocale('', 'en')).toBe('en');
    expect(initialLocale('?lang=zh-CN', 'en')).toBe('zh-CN');
  });

  it('has every key in both languages, with the same placeholders', () => {
    expect(keys(en).sort()).toEqual(keys(zhCN).sort());
    for (const key of keys(zhCN)) {
      const holes = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(holes(translate(en, key)), key).toEqual(holes(translate(zhCN, key)));
    }
  });

  it('fills placeholders and shows a missing key as itself', () => {
    expect(translate(zhCN, 'connection.updated', { time: '12:00:00' })).toBe('更新于 12:00:00');
    expect(translate(zhCN, 'level.5')).toBe('非常满意');
    expect(translate(en, 'level.1')).toBe('Very dissatisfied');
    expect(translate(zhCN, 'no.such.key')).toBe('no.such.key');
  });
});

describe('window evaluator rules', () => {
  it('shows each presentation once, remembering a bounded number', () => {
    const seen = new Set<string>();
    expect(shouldShowPresentation({ id: 'a' }, seen)).toBe(true);
    rememberShown(seen, 'a', 2);
    expect(shouldShowPresentation({ id: 'a' }, seen)).toBe(false);
    rememberShown(seen, 'b', 2);
    rememberShown(seen, 'c', 2);
    expect([...seen]).toEqual(['b', 'c']);
  });

  it('asks for the key again only when the server refuses it', () => {
    expect(isKeyRejected('UNAUTHENTICATED')).toBe(true);
    expect(isKeyRejected('FORBIDDEN')).toBe(true);
    expect(isKeyRejected(undefined, 4403)).toBe(true);
    expect(isKeyRejected('INTERNAL_SERVER_ERROR', 1006)).toBe(false);
  });

  it('keeps the follow-up thank-you 20 s unless the page asks for 1–120 s (?followUpMs=, the browser test)', () => {
    expect(FOLLOW_UP_THANKS_MS).toBe(20_000);
    expect(followUpThanksMs('')).toBe(20_000);
    expect(followUpThanksMs('?followUpMs=8000')).toBe(8_000);
    expect(followUpThanksMs('?lang=en&followUpMs=999')).toBe(20_000);
    expect(followUpThanksMs('?followUpMs=abc')).toBe(20_000);
    expect(followUpThanksMs('?followUpMs=120001')).toBe(20_000);
  });
});
