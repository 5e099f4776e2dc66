import type { DeviceInfo, Presentation } from '../api/types.js';

/** How long a presented service waits for the citizen before the device returns to idle. */
export const RATING_TIMEOUT_MS = 90_000;
/** How long the thank-you stays up after sending. */
export const THANKS_MS = 5_000;
/** How long the thank-you stays once it shows the rater's follow-up QR code (追评, R9): long enough to scan it. */
export const FOLLOW_UP_THANKS_MS = 20_000;

/**
 * FOLLOW_UP_THANKS_MS, or the page's `?followUpMs=` (1–120 s): the browser test waits for the return to
 * idle with a shorter one. Anything else in the query keeps the default.
 */
export function followUpThanksMs(search: string): number {
  const value = Number(new URLSearchParams(search).get('followUpMs'));
  return Number.isInteger(value) && value >= 1_000 && value <= 120_000 ? value : FOLLOW_UP_THANKS_MS;
}

/**
 * Whether a presentation should take over the screen: one the device has not shown yet. The server
 * replays only live, unrated presentations to a device that reconnects, so the device's own clock
 * (often wrong on kiosks) is not consulted; a replay of one already shown is ignored.
 */
export function shouldShowPresentation(p: Pick<Presentation, 'id'>, seen: ReadonlySet<string>): boolean {
  return !seen.has(p.id);
}

/** Remembers the presentations shown, keeping only the last few (a device runs for months). */
export function rememberShown(seen: Set<string>, id: string, keep = 50): void {
  seen.add(id);
  while (seen.size > keep) seen.delete(seen.values().next().value!);
}

/** Error codes that mean the device key is wrong for this page (enter it again), not a passing fault. */
export function isKeyRejected(code: string | undefined, closeCode?: number): boolean {
  return code === 'UNAUTHENTICATED' || code === 'FORBIDDEN' || closeCode === 4403;
}

/** The idle screen's place and staff, kept on the device so it still shows them when the hall's network is down. */
export function cachedDeviceInfo(kind: 'window' | 'terminal', id: number): DeviceInfo | null {
  try {
    const raw = localStorage.getItem(`hcp.device.${kind}.${id}`);
    return raw ? (JSON.parse(raw) as DeviceInfo) : null;
  } catch {
    return null;
  }
}

export function cacheDeviceInfo(kind: 'window' | 'terminal', id: number, info: DeviceInfo): void {
  try {
    localStorage.setItem(`hcp.device.${kind}.${id}`, JSON.stringify(info));
  } catch {
    // No storage: the idle screen shows the place only while the server answers.
  }
}
