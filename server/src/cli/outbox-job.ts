/**
 * `npm run job:outbox`: delivers every due outbox record now (provincial records to PROVINCE_URL, SMS
 * and portal messages to their gateways) and exits; for cron beside or instead of the servers' own
 * worker. Safe to run while servers deliver too: records are claimed with a lease (R17, R26).
 */
import { createApp } from '../app/app.js';
import { OutboxWorker } from '../exchange/outbox.worker.js';

const app = await createApp({ config: { seedDemo: false } });
try {
  const worker = new OutboxWorker(app);
  if (worker.topics().length === 0) console.log('no endpoint configured (PROVINCE_URL, SMS_GATEWAY_URL, PORTAL_MESSAGE_URL): records wait in the outbox');
  const run = await worker.drain();
  console.log(`outbox: ${run.claimed} record(s) tried, ${run.delivered} delivered, ${run.failed} to be retried or poison`);
} finally {
  await app.close();
}
