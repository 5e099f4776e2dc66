import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataCodewords, encodeQr, qrPath, rawDataModules, type QrCode } from '../../dashboard/src/home/qr.js';

/** The format information as read back from the code: 15 bits around the top-left finder, unmasked. */
function formatBits(code: QrCode): number {
  const m = code.modules;
  const bits = [0, 1, 2, 3, 4, 5, 7, 8].map((y) => m[y]![8]!).concat([m[8]![7]!, ...[5, 4, 3, 2, 1, 0].map((x) => m[8]![x]!)]);
  return bits.reduce((value, dark, i) => value | (Number(dark) << i), 0);
}

/** zbarimg (Debian's zbar-tools) decodes a rendered code when it is installed; the encoder is checked end to end then. */
function zbar(): boolean {
  try {
    execFileSync('zbarimg', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The code as a PGM image, 4 pixels a module, with the 4-module quiet zone. */
function pgm(code: QrCode): Buffer {
  const scale = 4;
  const side = (code.size + 8) * scale;
  const pixels = Buffer.alloc(side * side, 255);
  code.modules.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (!dark) return;
      for (let dy = 0; dy < scale; dy++) pixels.fill(0, ((y + 4) * scale + dy) * side + (x + 4) * scale, ((y + 4) * scale + dy) * side + (x + 5) * scale);
    }),
  );
  return Buffer.concat([Buffer.from(`P5\n${side} ${side}\n255\n`), pixels]);
}

describe('QR encoder', () => {
  it('knows the capacity of each version (ISO/IEC 18004 table 7)', () => {
    expect(rawDataModules(1)).toBe(208);
    expect(dataCodewords(1, 'M')).toBe(16);
    expect(dataCodewords(10, 'M')).toBe(216);
    expect(dataCodewords(40, 'L')).toBe(2956);
    expect(dataCodewords(40, 'H')).toBe(1276);
  });

  it('picks the smallest version, draws the finder patterns and the format bits of its level and mask', () => {
    const code = encodeQr('HCP', 'M');
    expect(code.version).toBe(1);
    expect(code.size).toBe(21);
    // Raised to H: 3 bytes fit version 1 at the highest level too.
    expect(code.level).toBe('H');
    const finder = [0, 1, 2, 3, 4, 5, 6].map((x) => code.modules[0]![x]);
    expect(finder).toEqual([true, true, true, true, true, true, true]);
    expect(code.modules[1]!.slice(0, 7)).toEqual([true, false, false, false, false, false, true]);
    const format = formatBits(code) ^ 0x5412;
    expect(format >>> 10).toBe((2 << 3) | code.mask); // H = 0b10, then the mask
    const url = `http://192.168.10.20:4000/rate?t=${'x'.repeat(200)}`;
    const big = encodeQr(url, 'M');
    expect(big.size).toBe(big.version * 4 + 17);
    expect(dataCodewords(big.version - 1, 'M') * 8).toBeLessThan(4 + 16 + url.length * 8);
    expect(qrPath(big).startsWith('M4,4h1v1h-1z')).toBe(true);
  });

  it.skipIf(!zbar())('is read back by a real decoder, at every size a receipt link takes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcp-qr-'));
    try {
      const texts = [
        'HCP',
        'http://localhost:4000/rate?t=abc',
        `http://192.168.10.20:4000/rate?t=${'eyJhbGciOiJIUzI1NiJ9.'.repeat(9)}`,
        `https://hall.example.gov.cn/rate?t=${'a1b2c3d4'.repeat(40)}`,
        '政务服务好差评',
      ];
      for (const [i, text] of texts.entries()) {
        for (const level of ['L', 'M', 'Q', 'H'] as const) {
          const code = encodeQr(text, level);
          const file = join(dir, `${i}-${level}.pgm`);
          writeFileSync(file, pgm(code));
          const read = execFileSync('zbarimg', ['--raw', '-q', '-Sbinary', file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');
          expect(read.replace(/\n$/, ''), `${text} at ${level} (version ${code.version}, mask ${code.mask})`).toBe(text);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
