/**
 * `npm run job:rectification`: marks overdue rectification cases, escalates them to the supervising body
 * (R16), delivers their notices, and exits. Idempotent: a deadline is escalated once.
 */
import { createApp } from '../app/app.js';
import { escalateOverdue } from '../rectification/rectification.service.js';

const app = await createApp({ config: { seedDemo: false } });
try {
  const escalated = await escalateOverdue(app);
  console.log(`escalated ${escalated} overdue rectification case(s) (超期督办, R16)`);
} finally {
  await app.close();
}
