import { describe, expect, it } from 'vitest';
import { translate } from '../../dashboard/src/i18n/index.js';
import { en } from '../../dashboard/src/i18n/en.js';
import { zhCN } from '../../dashboard/src/i18n/zh-CN.js';
import { actorName, clockText, nameOf, QUEUES } from '../../dashboard/src/workspace/workspace.logic.js';
import { LEVELS } from '../../server/src/catalog/levels.logic.js';
import { ACTION_NAMES, STATE_NAMES } from '../../server/src/rectification/rectification.logic.js';

const english = (key: string, params?: Record<string, string | number>) => translate(en, key, params);
const chinese = (key: string, params?: Record<string, string | number>) => translate(zhCN, key, params);
const due = '2026-12-05T16:00:00.000Z';
const at = (text: string) => new Date(`${text}+08:00`).getTime();

describe('workspace in two languages', () => {
  it('shows in Chinese exactly the names the server sends for states, steps and levels', () => {
    for (const [state, name] of Object.entries(STATE_NAMES)) expect(nameOf(chinese, `ws.state.${state}`, '?')).toBe(name);
    for (const [action, name] of Object.entries(ACTION_NAMES)) expect(nameOf(chinese, `ws.step.${action}`, '?')).toBe(name);
    for (const level of LEVELS) expect(nameOf(chinese, `level.${level.value}`, '?')).toBe(level.name);
  });

  it("translates those names into English, and falls back to the server's name for one it does not know", () => {
    expect(nameOf(english, 'ws.state.FED_BACK', '待回访')).toBe('To call back');
    expect(nameOf(english, 'ws.state.SOMETHING_NEW', '新状态')).toBe('新状态');
    expect(actorName(english, { actor: '系统', actorRole: 'system' })).toBe('System');
    expect(actorName(english, { actor: '评价人', actorRole: 'rater' })).toBe('Rater');
    expect(actorName(english, { actor: '王科长', actorRole: 'department' })).toBe('王科长');
    expect(actorName(chinese, { actor: '评价人', actorRole: 'rater' })).toBe('评价人');
  });

  it('shows clocks in English', () => {
    expect(clockText(due, at('2026-12-03T22:00:00'), false, english)).toEqual({ text: '2 d 2 h left', tone: 'ok' });
    expect(clockText(due, at('2026-12-07T03:00:00'), false, english)).toEqual({ text: 'Overdue by 1 d 3 h', tone: 'late' });
    expect(clockText(due, at('2026-12-05T23:50:00'), false, english).text).toBe('10 min left');
    expect(clockText(due, 0, true, english).text).toBe('Appeal pending, clock paused');
  });

  it('names every queue in both languages', () => {
    for (const q of QUEUES) {
      expect(translate(zhCN, q.labelKey)).not.toBe(q.labelKey);
      expect(translate(en, q.labelKey)).not.toBe(q.labelKey);
    }
  });
});
