import { ref, shallowReactive, shallowRef } from 'vue';
import { core } from './zh/core.js';
import type { Area, Messages } from './zh-CN.js';

export type { Area } from './zh-CN.js';

export type Locale = 'zh-CN' | 'en';
const STORAGE_KEY = 'hcp.locale';

// English is its own chunk, loaded when asked for: pages in Chinese (the default, and every portal
// widget) do not download it. Until it has arrived the Chinese text stays on screen.
const english = shallowRef<Messages | null>(null);
let englishLoading: Promise<void> | null = null;
function loadEnglish(): Promise<void> {
  englishLoading ??= import('./en.js').then(
    (m) => {
      english.value = m.en;
    },
    (err: unknown) => {
      englishLoading = null;
      throw err;
    },
  );
  return englishLoading;
}

// Chinese comes in parts: the common strings in every entry, each page's area (`screen.`, `ws.`, …) in
// its own chunk, loaded by the route beside the page's code (router.ts) so it is there when the page
// first renders. A portal widget carries only the common strings.
const chinese = shallowReactive<Partial<Messages>>({ ...core });
const AREAS: Record<Area, () => Promise<{ default: unknown }>> = {
  screen: () => import('./zh/screen.js'),
  rate: () => import('./zh/rate.js'),
  device: () => import('./zh/device.js'),
  followUp: () => import('./zh/followUp.js'),
  rerate: () => import('./zh/rerate.js'),
  ws: () => import('./zh/ws.js'),
  bulletin: () => import('./zh/bulletin.js'),
  home: () => import('./zh/home.js'),
};
const areaLoading = new Map<Area, Promise<void>>();

/** Loads the Chinese strings of these areas (once each); until one has arrived its keys show as themselves. */
export function loadAreas(...areas: Area[]): Promise<void> {
  return Promise.all(
    areas.map((area) => {
      let loading = areaLoading.get(area);
      if (!loading) {
        loading = AREAS[area]().then(
          (m) => {
            (chinese as Record<string, unknown>)[area] = m.default;
          },
          (err: unknown) => {
            areaLoading.delete(area);
            throw err;
          },
        );
        areaLoading.set(area, loading);
      }
      return loading;
    }),
  ).then(() => undefined);
}

/**
 * Registers an area's strings a module already holds (imported statically): workspace modules whose
 * messages are read outside a page the router loaded (errorText, in tests and before the layout).
 */
export function provideArea(area: Area, messages: unknown): void {
  (chinese as Record<string, unknown>)[area] = messages;
  areaLoading.set(area, Promise.resolve());
}

/** A lazy page (route component) and the Chinese strings it shows, fetched side by side (neither waits for the other). */
export function withAreas<T>(load: () => Promise<T>, ...areas: Area[]): () => Promise<T> {
  return () => Promise.all([load(), loadAreas(...areas)]).then(([page]) => page);
}

const catalogOf = (value: Locale): object => (value === 'en' && english.value) || chinese;

/** Picks the language: `?lang=` first, then the last choice on this device, else Simplified Chinese. */
export function initialLocale(search: string, stored: string | null): Locale {
  const asked = new URLSearchParams(search).get('lang') ?? stored;
  return asked === 'en' ? 'en' : 'zh-CN';
}

/** Looks a dotted key up in a catalog and fills `{name}` placeholders; a missing key shows itself. */
export function translate(messages: object, key: string, params: Record<string, string | number> = {}): string {
  let node: unknown = messages;
  for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== 'string') return key;
  return node.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

const locale = ref<Locale>(
  initialLocale(typeof location === 'undefined' ? '' : location.search, typeof localStorage === 'undefined' ? null : safeGet(STORAGE_KEY)),
);

function safeGet(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function setLang(value: Locale): void {
  if (typeof document !== 'undefined') document.documentElement.lang = value;
}

/** Marks the page's language once its catalog is there (English: after its chunk has loaded). */
function applyLang(value: Locale): void {
  if (value !== 'en') return setLang(value);
  loadEnglish().then(
    () => {
      if (locale.value === 'en') setLang('en');
    },
    () => undefined, // offline without the chunk: the page stays in Chinese
  );
}
applyLang(locale.value);

/** The app's one translator; components call `const { t } = useI18n()` (reactive: `t` reads the locale). */
export function useI18n() {
  const t = (key: string, params?: Record<string, string | number>) => translate(catalogOf(locale.value), key, params);
  const setLocale = (value: Locale) => {
    locale.value = value;
    applyLang(value);
    try {
      localStorage.setItem(STORAGE_KEY, value);
    } catch {
      // Private mode or a locked-down kiosk: the choice lasts for this page only.
    }
  };
  const toggle = () => setLocale(locale.value === 'en' ? 'zh-CN' : 'en');
  return { locale, t, setLocale, toggle };
}
