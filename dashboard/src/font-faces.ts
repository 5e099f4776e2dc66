// The bundled Chinese font's @font-face rules (split by unicode range, so a page downloads only the
// glyphs it shows): hall machines and intranet screens have no CJK font and no font CDN. Imported only
// through fonts.ts, so that the rules are their own style sheet, added without blocking the first render.
import '@fontsource/noto-sans-sc/400.css';
import '@fontsource/noto-sans-sc/700.css';
