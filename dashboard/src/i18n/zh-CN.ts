import { core } from './zh/core.js';
import screen from './zh/screen.js';
import rate from './zh/rate.js';
import device from './zh/device.js';
import followUp from './zh/followUp.js';
import rerate from './zh/rerate.js';
import ws from './zh/ws.js';
import bulletin from './zh/bulletin.js';
import home from './zh/home.js';

/**
 * Simplified Chinese, the default language; every other language has the same keys. Pages do not import
 * this whole catalog: the common strings (zh/core.ts) are in every entry and each area (zh/<area>.ts) is
 * loaded with the pages that show it (i18n/index.ts `loadAreas`). Tests and types read it whole.
 */
export const zhCN = { ...core, screen, rate, device, followUp, rerate, ws, bulletin, home };

/** The shape every language provides. */
export type Messages = typeof zhCN;

/** The parts of the catalog loaded on demand, by the top-level key they fill. */
export type Area = 'screen' | 'rate' | 'device' | 'followUp' | 'rerate' | 'ws' | 'bulletin' | 'home';
