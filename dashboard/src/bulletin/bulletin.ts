/** The bulletin content as the server stores it (server/src/assessment/bulletin.logic.ts BulletinContent). */
export interface BulletinRankingRow {
  rank: number | null;
  name: string;
  total: number;
  score: number | null;
  fairScore: number | null;
  note: string | null;
}
export interface BulletinContent {
  regionCode: string;
  regionName: string;
  period: string;
  title: string;
  headline: {
    total: number;
    good: number;
    bad: number;
    goodRate: number | null;
    rectDue: number;
    rectDone: number;
    rectOnTime: number;
    rectRate: number | null;
    onTimeRate: number | null;
    overdue: number;
  };
  rankingLabel: string;
  ranking: BulletinRankingRow[];
  regionRankingLabel: string | null;
  regionRanking: BulletinRankingRow[];
  rankingNote: string;
  badTags: Array<{ code: string; name: string; count: number }>;
  overdue: Array<{ department: string; count: number; oldestDue: string }>;
  problems: Array<{ subject: string; department: string; state: string; openedOn: string; cause: string | null; measures: string | null }>;
  cases: Array<{ item: string; department: string; levelName: string; ratedOn: string; state: string; onTime: boolean | null; outcome: string | null }>;
}
export interface BulletinRecord {
  id: number;
  regionCode: string;
  period: string;
  status: 'DRAFT' | 'APPROVED';
  title: string;
  content: string;
  generatedAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
}

export const BULLETIN_FIELDS = 'id regionCode period status title content generatedAt approvedBy approvedAt';
export const BULLETINS = `query ($regionCode: String!) { bulletins(regionCode: $regionCode) { ${BULLETIN_FIELDS} } }`;
export const PUBLIC_BULLETINS = `query ($regionCode: String!) { publicBulletins(regionCode: $regionCode) { ${BULLETIN_FIELDS} } }`;
export const GENERATE_BULLETIN = `mutation ($regionCode: String!, $period: String!) { generateBulletin(regionCode: $regionCode, period: $period) { ${BULLETIN_FIELDS} } }`;
export const APPROVE_BULLETIN = `mutation ($id: Int!) { approveBulletin(id: $id) { ${BULLETIN_FIELDS} } }`;

export const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)}%`);
export const score = (v: number | null) => (v === null ? '—' : v.toFixed(2));
