import type { Actor } from '../common/actor.js';
import { ForbiddenError, InvalidInputError } from '../common/errors.js';
import { isValidRegionCode, isWithinRegion } from '../catalog/region.logic.js';

/**
 * Rules of the screens feature, pure: who may issue which screen or embed token, which device may
 * watch which presentations, and when a presentation is still worth showing.
 */

/** What a screen or embed token is locked to: a region, a department (and its sub-units), or everything. */
export interface TokenScope {
  regionCode: string | null;
  departmentId: number | null;
}

/** Facts about the department a token would be locked to (its own region), when one is named. */
export interface ScopeDepartment {
  id: number;
  regionCode: string;
}

/** A presentation stays replayable to a device that (re)connects for this long. */
export const PRESENTATION_TTL_MS = 3 * 60_000;
export const LABEL_MAX = 100;

/**
 * Decides the scope of a new screen or embed token. A supervisor may lock a token to their own region,
 * anything inside it, or a department inside it; with no scope given they get their own region. An
 * admin may issue any scope, including the whole platform.
 */
export function resolveTokenScope(actor: Actor, requested: TokenScope, department: ScopeDepartment | null, label: string): TokenScope {
  if (!label.trim() || label.length > LABEL_MAX) throw InvalidInputError.field('label', `1–${LABEL_MAX} characters`, label);
  if (requested.regionCode !== null && requested.departmentId !== null) {
    throw InvalidInputError.field('regionCode/departmentId', 'at most one of them', requested);
  }
  if (requested.regionCode !== null && !isValidRegionCode(requested.regionCode)) {
    throw InvalidInputError.field('regionCode', 'a 12-digit region code', requested.regionCode);
  }
  if (requested.departmentId !== null && department?.id !== requested.departmentId) {
    throw InvalidInputError.field('departmentId', 'a known department', requested.departmentId);
  }
  if (actor.role === 'admin') return requested;
  if (actor.role !== 'supervisor' || !actor.regionCode) throw ForbiddenError.role(['supervisor', 'admin'], actor.role);
  if (requested.regionCode === null && requested.departmentId === null) return { regionCode: actor.regionCode, departmentId: null };
  const region = requested.regionCode ?? department!.regionCode;
  if (!isWithinRegion(region, actor.regionCode)) throw ForbiddenError.scope(`region ${region}`);
  return requested;
}

/** Whether a caller may list or revoke a token of this scope (supervisors: only inside their region). */
export function mayManageToken(actor: Actor, scope: TokenScope, departmentRegion: string | null): boolean {
  if (actor.role === 'admin') return true;
  if (actor.role !== 'supervisor' || !actor.regionCode) return false;
  const region = scope.regionCode ?? departmentRegion;
  return region !== null && isWithinRegion(region, actor.regionCode);
}

/** The device a presentation goes to: "W:<window id>" or "T:<terminal id>". */
export type DeviceKey = `W:${number}` | `T:${number}`;

export function deviceKeyOf(place: { windowId: number | null; terminalId: number | null }): DeviceKey | null {
  if (place.windowId) return `W:${place.windowId}`;
  if (place.terminalId) return `T:${place.terminalId}`;
  return null;
}

/**
 * R7: a device sees only presentations for itself. The subscription names the window or terminal it
 * shows (exactly one), and it must be the one the device key belongs to.
 */
export function checkDeviceSubscription(actor: Actor, windowId: number | null, terminalId: number | null): DeviceKey {
  if ((windowId === null) === (terminalId === null)) {
    throw InvalidInputError.field('windowId/terminalId', 'exactly one of them', { windowId, terminalId });
  }
  const own = deviceKeyOf({ windowId: actor.windowId ?? null, terminalId: actor.terminalId ?? null });
  const asked = deviceKeyOf({ windowId, terminalId })!;
  if (actor.role !== 'device' || own !== asked) {
    throw ForbiddenError.scope(windowId !== null ? `window ${windowId}` : `terminal ${terminalId}`);
  }
  return asked;
}

/** The bus scope of a device's presentations; no live topic listens to it, so figures are not recomputed. */
export function presentationScope(device: DeviceKey): string {
  return `present:${device}`;
}

/** Whether a presentation should still be shown (or replayed to a device that reconnects). */
export function isPresentationLive(presentation: { expiresAt: number }, now: number): boolean {
  return now < presentation.expiresAt;
}
