/** `npm run job:defaults`: records the R11 default ratings that are due, once, and exits. Idempotent. */
import { createApp } from '../app/app.js';
import { recordDueDefaults } from '../rating/defaults.service.js';

const app = await createApp({ config: { seedDemo: false } });
try {
  const recorded = await recordDueDefaults(app);
  console.log(`recorded ${recorded} default rating(s) (基本满意, R11)`);
} finally {
  await app.close();
}
