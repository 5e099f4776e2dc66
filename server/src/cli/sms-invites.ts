/**
 * `npm run job:sms-invites`: writes the due SMS invitations to rate (R5: services unrated
 * SMS_INVITE_AFTER_HOURS after completion, window still open) and sends them where SMS_GATEWAY_URL is
 * set; for cron beside or instead of the servers' own timer. Each service is invited once, ever.
 */
import { createApp } from '../app/app.js';
import { sendDueSmsInvites } from '../exchange/sms.service.js';

const app = await createApp({ config: { seedDemo: false } });
try {
  const invited = await sendDueSmsInvites(app);
  console.log(`SMS invitations: ${invited} written${app.config.smsGatewayUrl ? '' : ' (SMS_GATEWAY_URL unset: they wait in the outbox)'}`);
} finally {
  await app.close();
}
