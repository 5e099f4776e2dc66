/**
 * `npm run job:fraud [-- --period YYYY-MM|YYYY-MM-DD] [--region <code>]`: runs the R18 fraud detectors
 * (this month by default, and last month in a month's first days), stores new signals for review, prints
 * what it found and exits. Idempotent: a signal already stored is not stored again.
 */
import { createApp } from '../app/app.js';
import { runFraudJob } from '../integrity/fraud.service.js';

function arg(name: string): string | null {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? null) : null;
}

const app = await createApp({ config: { seedDemo: false } });
try {
  for (const r of await runFraudJob(app, arg('period'), arg('region'))) {
    console.log(`${r.period} (${r.regionCode ?? 'all regions'}): ${r.found} fraud signal(s) found, ${r.created} new, ${r.updated} updated (R18)`);
  }
} finally {
  await app.close();
}
