import type { Em } from './orm.js';

/** A day in milliseconds (timestamps are stored as epoch milliseconds). */
const DAY = 86_400_000;

export interface RetentionReport {
  cutoff: Date;
  ratings: number;
  cases: number;
}

/**
 * The retention job (PIPL: personal data kept no longer than needed): for ratings made before
 * `now - days`, the sealed rater name, mobile, its blind index and the sealed comment original are
 * erased; for cases created before the cutoff with no service since, the sealed applicant name (set to
 * '', the column is required), mobile and ID number. The masked forms, the masked comment, levels, tags
 * and every figure stay, as does the audit trail. Runs in batches of `batch` rows, each its own short
 * transaction, so it can run beside a live server; running it twice changes nothing more.
 */
export async function anonymiseExpired(em: Em, now: Date, days: number, options: { batch?: number } = {}): Promise<RetentionReport> {
  const batch = options.batch ?? 1000;
  const cutoff = now.getTime() - days * DAY;
  const report: RetentionReport = { cutoff: new Date(cutoff), ratings: 0, cases: 0 };
  const rounds: Array<{ key: 'ratings' | 'cases'; select: string; update: (ids: string) => string }> = [
    {
      key: 'ratings',
      select:
        'select id from rating where rated_at < ? and (rater_name_sealed is not null or rater_mobile_sealed is not null or rater_mobile_hash is not null or comment_sealed is not null)',
      update: (ids) =>
        `update rating set rater_name_sealed = null, rater_mobile_sealed = null, rater_mobile_hash = null, comment_sealed = null where id in (${ids})`,
    },
    {
      key: 'cases',
      select:
        "select c.id from case_record c where c.created_at < ? and (c.applicant_name_sealed <> '' or c.applicant_mobile_sealed is not null or c.applicant_mobile_hash is not null or c.applicant_cert_sealed is not null)" +
        ' and not exists (select 1 from service s where s.case_id = c.id and s.created_at >= ?)',
      update: (ids) =>
        `update case_record set applicant_name_sealed = '', applicant_mobile_sealed = null, applicant_mobile_hash = null, applicant_cert_sealed = null where id in (${ids})`,
    },
  ];
  for (const round of rounds) {
    for (;;) {
      const params = round.key === 'cases' ? [cutoff, cutoff] : [cutoff];
      const rows = await em.execute<Array<{ id: number | string }>>(`${round.select} order by id limit ${batch}`, params);
      if (rows.length === 0) break;
      const ids = rows.map((r) => Number(r.id)).join(', ');
      await em.transactional((tx) => (tx as Em).execute(round.update(ids), [], 'run'));
      report[round.key] += rows.length;
      if (rows.length < batch) break;
    }
  }
  return report;
}
