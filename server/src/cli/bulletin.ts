/**
 * `npm run bulletin -- --region 419900000000 (--month YYYY-MM | --quarter YYYY-Qn)`: generates (or, while a
 * draft, regenerates) the region's bulletin (通报) for the period, stores it, writes it as PDF (printed by
 * Chromium: CHROMIUM_PATH, default /usr/bin/chromium) and XLSX under DATA_DIR/bulletins/ and prints the
 * paths. An approved bulletin is written as approved, not regenerated. Last month by default.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createApp } from '../app/app.js';
import { BulletinSchema } from '../assessment/bulletin.entities.js';
import { bulletinPdf, bulletinXlsx, chromiumAvailable } from '../assessment/bulletin.export.js';
import type { BulletinContent } from '../assessment/bulletin.logic.js';
import { BULLETIN_SYSTEM, generateBulletin, lastMonthKey } from '../assessment/bulletin.service.js';
import { parsePeriod } from '../assessment/assessment.logic.js';
import type { Em } from '../db/orm.js';

function arg(name: string): string | null {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? null) : null;
}

const region = arg('region');
if (!region) {
  console.error('usage: npm run bulletin -- --region <12-digit code> [--month YYYY-MM | --quarter YYYY-Qn]');
  process.exit(2);
}
const app = await createApp({ config: { seedDemo: false } });
try {
  const period = parsePeriod(arg('month') ?? arg('quarter') ?? lastMonthKey(app.clock.now().getTime())).key;
  const started = Date.now();
  const existing = await (app.orm.em.fork() as Em).findOne(BulletinSchema, { regionCode: region, period });
  const b = existing?.status === 'APPROVED' ? existing : await generateBulletin(app, BULLETIN_SYSTEM, region, period);
  const content = JSON.parse(b.content) as BulletinContent;
  console.log(`bulletin ${b.id} (${b.status}) ${content.title}: built in ${Date.now() - started} ms`);
  const dir = resolve(app.config.dataDir, 'bulletins');
  await mkdir(dir, { recursive: true });
  const base = join(dir, `${region}-${period}`);
  await writeFile(`${base}.xlsx`, await bulletinXlsx(content));
  console.log(`${base}.xlsx`);
  if (chromiumAvailable(app.config.chromiumPath)) {
    await writeFile(`${base}.pdf`, await bulletinPdf(app.config.chromiumPath, content, b.status));
    console.log(`${base}.pdf`);
  } else {
    console.error(`no Chromium at ${app.config.chromiumPath} (set CHROMIUM_PATH): PDF not written`);
    process.exitCode = 1;
  }
} finally {
  await app.close();
}
