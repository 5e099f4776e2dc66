/** R5: every channel a rating can arrive through; DEFAULT is the R11 default rating. */
export const CHANNELS = ['PC', 'APP', 'MINI_PROGRAM', 'QR', 'WINDOW', 'TERMINAL', 'HOTLINE', 'SMS', 'IMPORT', 'DEFAULT'] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * The `pf` code sent to provincial platforms (docs/exchange.md, R26). Codes 1–5 are national; 6 and 7 differ by
 * province, so they come from the PF_CODES setting ("HOTLINE=6,SMS=7,DEFAULT=7"), over the common order.
 * The composition root parses the setting once; this stays pure.
 */
export function pfCodes(override = ''): Record<Channel, number> {
  const codes: Record<Channel, number> = {
    PC: 1,
    APP: 2,
    MINI_PROGRAM: 2,
    QR: 3,
    WINDOW: 4,
    TERMINAL: 5,
    HOTLINE: 6,
    SMS: 7,
    IMPORT: 1,
    DEFAULT: 7,
  };
  for (const pair of override.split(',').filter(Boolean)) {
    const [name, code] = pair.split('=');
    if (name && (CHANNELS as readonly string[]).includes(name) && code && /^\d+$/.test(code)) {
      codes[name as Channel] = Number(code);
    }
  }
  return codes;
}

/** Channels each kind of caller may report; a device can only speak for itself (R7, R8). */
export function channelsFor(role: string, device?: { windowId?: number; terminalId?: number }): readonly Channel[] {
  switch (role) {
    case 'rater':
      return ['QR', 'PC', 'APP', 'MINI_PROGRAM', 'SMS'];
    case 'device':
      return device?.terminalId ? ['TERMINAL'] : ['WINDOW'];
    case 'hotline':
      return ['HOTLINE'];
    case 'system':
      return ['PC', 'APP', 'MINI_PROGRAM', 'QR', 'SMS', 'HOTLINE', 'IMPORT', 'WINDOW', 'TERMINAL'];
    default:
      return [];
  }
}
