let loading: Promise<unknown> | null = null;

/**
 * Adds the bundled font's @font-face rules (font-faces.ts: about 190 KB of CSS, 65 KB gzipped, two
 * hundred rules) to the page. Not render-blocking: text is drawn in the fallback font until then, as it
 * is anyway while a subset downloads (font-display: swap). Every page asks at once (main.ts; the HTML's
 * boot script has usually fetched the sheet already), except the big screen, which asks once its first
 * figures are shown: parsing the rules, matching them in style and layout and downloading the subsets
 * would otherwise sit between the first snapshot and the counters.
 */
export function loadFonts(): Promise<unknown> {
  loading ??= import('./font-faces.js').catch((err: unknown) => {
    loading = null;
    throw err;
  });
  return loading;
}
