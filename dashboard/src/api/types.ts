/** Shapes of the answers the dashboard reads (see schema/schema.graphql). */

export interface Figures {
  total: number | null;
  good: number | null;
  bad: number | null;
  goodRate: number | null;
  badRate?: number | null;
  unratedRate?: number | null;
  defaulted?: number | null;
  suppressed: boolean;
}

export interface ChannelFigures extends Figures {
  channel: string;
  name: string;
}

export interface Overview extends Figures {
  scope: string;
  byChannel: ChannelFigures[];
  seq: number;
  asOf: string;
}

export interface BreakdownRow extends Figures {
  key: string;
  name: string;
  code: string | null;
  regionLevel: string | null;
}

export interface Breakdown {
  scope: string;
  by: string;
  rows: BreakdownRow[];
  seq: number;
  asOf: string;
}

/** The big screen's fair department ranking (screenRanking, R21/R22), ranked by the server. */
export interface ScreenRankingRow {
  key: string;
  name: string;
  total: number | null;
  good: number | null;
  goodRate: number | null;
  goodRateLower: number | null;
  rank: number | null;
  ranked: boolean;
  suppressed: boolean;
  note: string | null;
}
export interface ScreenRanking {
  scope: string;
  minSample: number;
  confidence: number;
  tieBreakOrder: string;
  /** Departments in the group (all ranked or listed apart) and those with a rank. */
  units: number;
  rankedUnits: number;
  rows: ScreenRankingRow[];
  seq: number;
  asOf: string;
}

export interface HotTag {
  code: string;
  name: string;
  nameEn: string;
  level: number;
  count: number;
}

export interface HotTags {
  scope: string;
  total: number | null;
  suppressed: boolean;
  tags: HotTag[];
  seq: number;
  asOf: string;
}

export interface FeedEntry {
  id: number;
  level: number;
  levelName: string;
  channel: string;
  channelName: string;
  ratedAt: string;
  itemName: string;
  departmentName: string;
}

export interface RatingFeed {
  scope: string;
  entries: FeedEntry[];
  seq: number;
  asOf: string;
}

export interface TrendPoint extends Figures {
  period: number;
  start: string;
}

export interface Trend {
  scope: string;
  points: TrendPoint[];
  seq: number;
  asOf: string;
}

export interface Region {
  code: string;
  name: string;
  level: string;
}

export interface Tag {
  code: string;
  level: number;
  name: string;
  nameEn: string;
}

/** What the rating page and a device show about a service (R7); never applicant data. */
export interface Ticket {
  projectNo: string;
  serviceNumber: number;
  itemName: string;
  departmentName: string;
  staffWorkNo: string | null;
  rated: boolean;
}

export interface Presentation {
  id: string;
  projectNo: string;
  serviceNumber: number;
  nodeName: string;
  itemName: string;
  departmentName: string;
  staffWorkNo: string | null;
  staffName: string | null;
  windowNo: string | null;
  terminalNo: string | null;
  presentedAt: string;
  expiresAt: string;
}

/** The scope a screen shows: a region, a department, or everything. */
export interface StatsFilter {
  regionCode?: string;
  departmentId?: number;
}

/** Rectification figures, when the server has the rectification feature (R16, R19, R22). */
export interface RectificationRates {
  rectificationRate: number | null;
  callbackRate: number | null;
  onTimeRate: number | null;
  cases: number;
  open: number;
  overdueOpen: number;
  overdueEver: number;
}

/** A window (with its staff) or a terminal, for a device's idle screen (R7). */
export interface DeviceInfo {
  id: number;
  no: string;
  name: string;
  hallName: string;
  staff?: Array<{ workNo: string; name: string }>;
}
