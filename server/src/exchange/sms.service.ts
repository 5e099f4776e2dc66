import { DAY_MS } from '../common/clock.js';
import { PUBLIC_ACTOR } from '../common/actor.js';
import { publicUrl } from '../common/config.js';
import { AlreadyRatedError, DomainError, TagRequiredError } from '../common/errors.js';
import { log } from '../common/logger.js';
import { isDuplicateOrStale } from '../db/errors.js';
import type { Em } from '../db/orm.js';
import { appendOutbox } from '../db/outbox.store.js';
import { ServiceSchema } from '../case/case.entities.js';
import { deliverMessages, MESSAGE_TOPICS, type MessagePayload, type NotifyDeps } from '../notify/notify.service.js';
import { submitEvaluation, type RatingDeps } from '../rating/rating.service.js';
import { SmsInvitationSchema } from './sms.entities.js';
import { invitationOfCode, invitationText, normalizeMobile, parseSmsReply, REASON_NEEDED_TEXT, shortCode } from './sms.logic.js';

/** What rating by SMS needs: the rating path (R5, R9) and the message outbox (R17). */
export type SmsDeps = RatingDeps & NotifyDeps;

/** Who issued the rating tokens of SMS links and replies (the `iby` claim, R18). */
const ISSUER = 'sms-gateway';

const mobileKey = (app: Pick<SmsDeps, 'cipher'>, mobile: string) => app.cipher.blindIndex(`mobile:${normalizeMobile(mobile)}`);
const linkCheck = (app: Pick<SmsDeps, 'cipher'>) => (value: string) => app.cipher.blindIndex(value);

interface DueRow {
  id: number | string;
  project_no: string;
  node_name: string;
  mobile: string;
}

/**
 * R5: one SMS invitation per service still unrated SMS_INVITE_AFTER_HOURS after completion (or
 * acceptance), while its rating window is open, to the applicant's mobile, with a short link to the
 * rating page. Written to the outbox (`sms-invite:<serviceId>`) in the transaction that records the
 * invitation, so a service is never invited twice, however often or on how many servers this runs.
 */
export async function sendDueSmsInvites(app: SmsDeps, batchSize = 200): Promise<number> {
  const now = app.clock.now().getTime();
  const dueBefore = now - app.config.smsInviteAfterHours * 3_600_000;
  const openSince = now - app.config.ratingWindowDays * DAY_MS;
  let invited = 0;
  let afterId = 0;
  for (;;) {
    const em = app.orm.em.fork() as Em;
    const due = await em.execute<DueRow[]>(
      `select s.id, s.project_no, s.node_name, c.applicant_mobile_sealed as mobile
         from service s join case_record c on c.id = s.case_id
         left join sms_invitation i on i.service_id = s.id
        where s.id > ? and s.rating_id is null and s.pro_status >= 2 and i.id is null and c.applicant_mobile_sealed is not null
          and coalesce(s.completed_at, s.accepted_at, s.created_at) <= ? and (s.completed_at is null or s.completed_at >= ?)
        order by s.id limit ?`,
      [afterId, dueBefore, openSince, batchSize],
    );
    if (due.length === 0) break;
    afterId = Number(due[due.length - 1]!.id);
    const outboxIds: number[] = [];
    for (const row of due) {
      const ids = await invite(app, row, now);
      if (ids) {
        invited += 1;
        outboxIds.push(...ids);
      }
    }
    // Sent right away where a gateway is configured; otherwise (or on failure) the outbox worker retries.
    await deliverMessages(app, outboxIds);
  }
  if (invited > 0) log.info('SMS invitations to rate written (R5)', { invited });
  return invited;
}

async function invite(app: SmsDeps, row: DueRow, now: number): Promise<number[] | null> {
  const serviceId = Number(row.id);
  let mobile: string;
  try {
    mobile = app.cipher.decrypt(row.mobile);
  } catch {
    return null; // a sealed value that cannot be opened is reported by the cipher; nothing to send
  }
  if (!normalizeMobile(mobile)) return null;
  try {
    return await (app.orm.em.fork() as Em).transactional(async (tx) => {
      const fresh = await tx.findOne(ServiceSchema, { id: serviceId }, { fields: ['ratingId'] });
      if (!fresh || fresh.ratingId) return null;
      const id = Number(
        await tx.insert(SmsInvitationSchema, {
          serviceId,
          mobileHash: mobileKey(app, mobile),
          sentAt: now,
          ratingId: null,
          answeredMessageId: null,
          answeredAt: null,
        } as never),
      );
      // Absolute (PUBLIC_BASE_URL): a phone opens only a full address from an SMS.
      const link = publicUrl(app.config, `/r/${shortCode(id, linkCheck(app))}`);
      const payload: MessagePayload = {
        channel: 'sms',
        to: { sealed: row.mobile },
        text: invitationText({ projectNo: row.project_no, nodeName: row.node_name }, link),
      };
      return appendOutbox(
        tx as Em,
        [{ topic: MESSAGE_TOPICS.sms, recordKey: `sms-invite:${serviceId}`, aggregateType: 'service', aggregateId: serviceId, payload }],
        now,
      );
    });
  } catch (err) {
    if (isDuplicateOrStale(err)) return null; // another server invited it first
    throw err;
  }
}

/**
 * The short link of an invitation (`GET /r/<code>`): a fresh rating token for its service, valid for
 * RATING_TOKEN_TTL_HOURS, as the path of the rating page; null for a code we did not issue.
 */
export async function openSmsLink(app: SmsDeps, code: string): Promise<string | null> {
  const id = invitationOfCode(code, linkCheck(app));
  if (id === null) return null;
  const invitation = await (app.orm.em.fork() as Em).findOne(SmsInvitationSchema, { id });
  if (!invitation) return null;
  const { token } = await app.tokens.sign('rating', String(invitation.serviceId), app.config.ratingTokenTtlHours * 3600, { iby: ISSUER });
  return `/rate?t=${encodeURIComponent(token)}`;
}

export interface InboundSms {
  from: string;
  text: string;
  /** The gateway's message id: the same message delivered again gets the same answer. */
  messageId: string | null;
}

export type InboundAnswer = { accepted: true; ratingId: number } | { accepted: false; code: string; message: string };

/**
 * R5: a reply to an invitation ("5", "5 很满意", "2 态度不好") rates the service of the newest open
 * invitation sent to that mobile, on the SMS channel, through the normal rating path (rollups, bad
 * reviews open rectification cases, the provincial record). Refusals are answers, not errors, so the
 * gateway does not retry them.
 */
export async function takeSmsReply(app: SmsDeps, sms: InboundSms): Promise<InboundAnswer> {
  const em = app.orm.em.fork() as Em;
  const answered = async () => (sms.messageId ? await em.fork().findOne(SmsInvitationSchema, { answeredMessageId: sms.messageId }) : null);
  const earlier = await answered();
  if (earlier?.ratingId) return { accepted: true, ratingId: earlier.ratingId };
  const reply = parseSmsReply(sms.text);
  if (!reply) return { accepted: false, code: 'NOT_A_RATING', message: 'the reply does not start with one digit 1–5' };
  const mobile = normalizeMobile(sms.from);
  if (!mobile) return { accepted: false, code: 'NO_INVITATION', message: 'no open SMS invitation for this sender' };
  const [open] = await em.execute<Array<{ id: number | string; service_id: number | string }>>(
    `select i.id, i.service_id from sms_invitation i join service s on s.id = i.service_id
      where i.mobile_hash = ? and i.rating_id is null and s.rating_id is null
      order by i.sent_at desc, i.id desc limit 1`,
    [mobileKey(app, mobile)],
  );
  if (!open) return { accepted: false, code: 'NO_INVITATION', message: 'no open SMS invitation for this sender' };
  const invitationId = Number(open.id);
  const { token } = await app.tokens.sign('rating', String(open.service_id), 600, { iby: ISSUER });
  try {
    const { rating } = await submitEvaluation(app, PUBLIC_ACTOR, { token, level: reply.level, comment: reply.comment, channel: 'SMS' });
    await em.nativeUpdate(
      SmsInvitationSchema,
      { id: invitationId },
      { ratingId: rating.id, answeredMessageId: sms.messageId, answeredAt: app.clock.now().getTime() },
    );
    return { accepted: true, ratingId: rating.id };
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    if (err instanceof AlreadyRatedError) {
      const raced = await answered();
      if (raced?.ratingId) return { accepted: true, ratingId: raced.ratingId };
    }
    // A bad review needs its reason (R13): the sender is asked for it once, the invitation stays open.
    if (err instanceof TagRequiredError) await askForReason(app, invitationId, mobile);
    return { accepted: false, code: err.code, message: err.message };
  }
}

async function askForReason(app: SmsDeps, invitationId: number, mobile: string): Promise<void> {
  const now = app.clock.now().getTime();
  const payload: MessagePayload = { channel: 'sms', to: { sealed: app.cipher.encrypt(mobile) }, text: REASON_NEEDED_TEXT };
  try {
    const ids = await (app.orm.em.fork() as Em).transactional((tx) =>
      appendOutbox(
        tx as Em,
        [{ topic: MESSAGE_TOPICS.sms, recordKey: `sms-reason:${invitationId}`, aggregateType: 'sms_invitation', aggregateId: invitationId, payload }],
        now,
      ),
    );
    await deliverMessages(app, ids);
  } catch (err) {
    if (!isDuplicateOrStale(err)) throw err; // asked before
  }
}
