import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (stack.md: browser downloads fail here). */
export const CHROMIUM_EXECUTABLE = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The flags that keep Chromium quiet on a machine without a network (no sandbox: CI runs as root). */
export const QUIET_CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** Headless Chromium for the browser tests and the screen benchmark. */
export function launchQuietChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: QUIET_CHROMIUM_FLAGS });
}
