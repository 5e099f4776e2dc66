import { describe, expect, it } from 'vitest';
import type { Actor } from '../../../server/src/common/actor.js';
import {
  checkDeviceSubscription,
  deviceKeyOf,
  isPresentationLive,
  mayManageToken,
  presentationScope,
  resolveTokenScope,
} from '../../../server/src/screen/screen.logic.js';

const CITY = '419900000000';
const DISTRICT = '419901000000';
const supervisor: Actor = { role: 'supervisor', label: 'user:1', regionCode: CITY };
const admin: Actor = { role: 'admin', label: 'user:2' };
const none = { regionCode: null, departmentId: null };

describe('resolveTokenScope', () => {
  it('gives a supervisor their own region by default and anything inside it on request', () => {
    expect(resolveTokenScope(supervisor, none, null, '大屏')).toEqual({ regionCode: CITY, departmentId: null });
    expect(resolveTokenScope(supervisor, { regionCode: DISTRICT, departmentId: null }, null, '大屏')).toEqual({ regionCode: DISTRICT, departmentId: null });
    expect(resolveTokenScope(supervisor, { regionCode: null, departmentId: 3 }, { id: 3, regionCode: DISTRICT }, '门户')).toEqual({
      regionCode: null,
      departmentId: 3,
    });
  });

  it("refuses scopes outside the supervisor's region, and callers who are neither supervisor nor admin", () => {
    expect(() => resolveTokenScope(supervisor, { regionCode: '420100000000', departmentId: null }, null, 'x')).toThrow(/outside/);
    expect(() => resolveTokenScope(supervisor, { regionCode: null, departmentId: 3 }, { id: 3, regionCode: '420100000000' }, 'x')).toThrow(/outside/);
    expect(() => resolveTokenScope({ role: 'department', label: 'u' }, none, null, 'x')).toThrow(/roles supervisor, admin/);
  });

  it('validates the label, the region code, one scope at most and a known department', () => {
    expect(() => resolveTokenScope(admin, none, null, '  ')).toThrow(/label/);
    expect(() => resolveTokenScope(admin, none, null, 'x'.repeat(101))).toThrow(/label/);
    expect(() => resolveTokenScope(admin, { regionCode: '1234', departmentId: null }, null, 'x')).toThrow(/regionCode/);
    expect(() => resolveTokenScope(admin, { regionCode: CITY, departmentId: 3 }, { id: 3, regionCode: CITY }, 'x')).toThrow(/at most one/);
    expect(() => resolveTokenScope(admin, { regionCode: null, departmentId: 3 }, null, 'x')).toThrow(/known department/);
  });

  it('lets an admin issue a whole-platform token', () => {
    expect(resolveTokenScope(admin, none, null, '全平台')).toEqual(none);
  });
});

describe('mayManageToken', () => {
  it('lets supervisors manage tokens inside their region only; admins all', () => {
    expect(mayManageToken(supervisor, { regionCode: DISTRICT, departmentId: null }, null)).toBe(true);
    expect(mayManageToken(supervisor, { regionCode: null, departmentId: 3 }, DISTRICT)).toBe(true);
    expect(mayManageToken(supervisor, none, null)).toBe(false);
    expect(mayManageToken(admin, none, null)).toBe(true);
    expect(mayManageToken({ role: 'screen', label: 's' }, { regionCode: DISTRICT, departmentId: null }, null)).toBe(false);
  });
});

describe('device presentations (R7)', () => {
  const device: Actor = { role: 'device', label: 'apikey:1', windowId: 4 };

  it('names a device by its window or terminal', () => {
    expect(deviceKeyOf({ windowId: 4, terminalId: null })).toBe('W:4');
    expect(deviceKeyOf({ windowId: null, terminalId: 2 })).toBe('T:2');
    expect(deviceKeyOf({ windowId: null, terminalId: null })).toBeNull();
    expect(presentationScope('W:4')).toBe('present:W:4');
  });

  it('lets a device watch exactly its own window or terminal', () => {
    expect(checkDeviceSubscription(device, 4, null)).toBe('W:4');
    expect(() => checkDeviceSubscription(device, 5, null)).toThrow(/window 5/);
    expect(() => checkDeviceSubscription(device, null, 4)).toThrow(/terminal 4/);
    expect(() => checkDeviceSubscription(device, 4, 4)).toThrow(/exactly one/);
    expect(() => checkDeviceSubscription(device, null, null)).toThrow(/exactly one/);
    expect(() => checkDeviceSubscription({ role: 'system', label: 'k', windowId: 4 }, 4, null)).toThrow(/outside/);
  });

  it('keeps a presentation live until it expires', () => {
    expect(isPresentationLive({ expiresAt: 1000 }, 999)).toBe(true);
    expect(isPresentationLive({ expiresAt: 1000 }, 1000)).toBe(false);
  });
});
