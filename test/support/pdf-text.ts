import { inflateSync } from 'node:zlib';

/**
 * The text of a PDF as Chromium prints it (Skia: FlateDecode content streams, Type0 fonts with
 * ToUnicode CMaps), without a PDF library: enough for tests to read figures back from a printed page.
 * Text runs are joined in drawing order (Chromium draws many characters as runs of their own).
 */
export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const objects = new Map<number, { dict: string; stream: string | null }>();
  for (const m of raw.matchAll(/(\d+) 0 obj\s*([\s\S]*?)endobj/g)) {
    const body = m[2]!;
    const s = /^([\s\S]*?)stream\r?\n([\s\S]*?)\r?\nendstream/.exec(body);
    if (!s) {
      objects.set(Number(m[1]), { dict: body, stream: null });
      continue;
    }
    let data = s[2]!;
    if (/\/FlateDecode/.test(s[1]!)) {
      try {
        data = inflateSync(Buffer.from(data, 'latin1')).toString('latin1');
      } catch {
        data = '';
      }
    }
    objects.set(Number(m[1]), { dict: s[1]!, stream: data });
  }
  const hexToString = (hex: string) => {
    let out = '';
    for (let i = 0; i + 4 <= hex.length; i += 4) out += String.fromCharCode(parseInt(hex.slice(i, i + 4), 16));
    return out;
  };
  // Font object → (code width in hex digits, code → text).
  const cmaps = new Map<number, { width: number; map: Map<number, string> }>();
  for (const [num, o] of objects) {
    const ref = /\/ToUnicode (\d+) 0 R/.exec(o.dict);
    const cmap = ref ? objects.get(Number(ref[1]))?.stream : null;
    if (!cmap) continue;
    const map = new Map<number, string>();
    let width = 4;
    for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
      for (const e of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) {
        width = e[1]!.length;
        map.set(parseInt(e[1]!, 16), hexToString(e[2]!));
      }
    }
    for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
      for (const e of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]+>|\[[^\]]*\])/g)) {
        width = e[1]!.length;
        const lo = parseInt(e[1]!, 16);
        const hi = parseInt(e[2]!, 16);
        if (e[3]!.startsWith('[')) {
          [...e[3]!.matchAll(/<([0-9a-fA-F]+)>/g)].forEach((d, i) => map.set(lo + i, hexToString(d[1]!)));
        } else {
          const base = e[3]!.slice(1, -1);
          const start = parseInt(base.slice(-4), 16);
          for (let c = lo; c <= hi; c++) map.set(c, hexToString(base.slice(0, -4)) + String.fromCharCode(start + c - lo));
        }
      }
    }
    cmaps.set(num, { width, map });
  }
  // Resource names → font objects (any /Font dictionary in the file).
  const fontByName = new Map<string, number>();
  for (const o of objects.values()) {
    for (const f of o.dict.matchAll(/\/Font\s*<<([\s\S]*?)>>/g)) {
      for (const e of f[1]!.matchAll(/\/([\w.+-]+)\s+(\d+) 0 R/g)) fontByName.set(e[1]!, Number(e[2]));
    }
  }
  const runs: string[] = [];
  for (const o of objects.values()) {
    if (o.stream === null || !/\bTf\b/.test(o.stream)) continue;
    let font: { width: number; map: Map<number, string> } | undefined;
    for (const t of o.stream.matchAll(/\/([\w.+-]+)\s+[\d.]+\s+Tf|(\[[^\]]*\]\s*TJ|<[0-9a-fA-F]*>\s*Tj)/g)) {
      if (t[1]) {
        font = cmaps.get(fontByName.get(t[1]) ?? -1);
        continue;
      }
      if (!font) continue;
      let text = '';
      for (const h of t[2]!.matchAll(/<([0-9a-fA-F]*)>/g)) {
        for (let i = 0; i + font.width <= h[1]!.length; i += font.width) text += font.map.get(parseInt(h[1]!.slice(i, i + font.width), 16)) ?? '';
      }
      runs.push(text);
    }
  }
  return runs.join('');
}
