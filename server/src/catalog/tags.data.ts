/**
 * The national evaluation tag dictionary (评价指标标签, R6; docs/exchange.md "Tags"). Tags are
 * multi-select; a tag's first digit is the level it belongs to, so a tag is valid only on a rating
 * of that level. Bad reviews (levels 1–2) need at least one tag or a comment (R9).
 */

/** A rating level as a tag sees it (5 = 非常满意 … 1 = 非常不满意). */
export type TagLevel = 1 | 2 | 3 | 4 | 5;

/** One dictionary entry. */
export interface TagDefinition {
  readonly code: string;
  readonly level: TagLevel;
  readonly name: string;
  readonly nameEn: string;
}

/** A tag of an older dictionary, kept so that historical ratings still resolve. */
export interface RetiredTagDefinition extends TagDefinition {
  readonly version: typeof RETIRED_TAGS_VERSION;
  readonly retired: true;
}

/** Version of the current national dictionary. */
export const TAG_DICTIONARY_VERSION = '2020';

/** Version of the retired dictionary below. */
export const RETIRED_TAGS_VERSION = '2019';

/** The current national tags, grouped by level from 5 down to 1. */
export const NATIONAL_TAGS: ReadonlyArray<TagDefinition> = [
  { code: '510', level: 5, name: '一窗受理一次办结', nameEn: 'Accepted at one window and completed in one go' },
  { code: '511', level: 5, name: '可以先受理后补材料', nameEn: 'Accepted first, missing materials allowed later' },
  { code: '512', level: 5, name: '不用提交证明', nameEn: 'No certificates of proof required' },
  { code: '513', level: 5, name: '可以全程网上办理', nameEn: 'Can be handled entirely online' },
  { code: '514', level: 5, name: '可以使用手机办理', nameEn: 'Can be handled on a mobile phone' },
  { code: '515', level: 5, name: '可以就近办理', nameEn: 'Can be handled close to home' },
  { code: '516', level: 5, name: '无需材料直接办理', nameEn: 'Handled directly without any materials' },
  { code: '517', level: 5, name: '服务热情效率高', nameEn: 'Warm and efficient service' },

  { code: '406', level: 4, name: '填写一张表单就可完成申报', nameEn: 'A single form completes the application' },
  { code: '407', level: 4, name: '在线提交材料窗口核验', nameEn: 'Materials submitted online, verified at the window' },
  { code: '408', level: 4, name: '一张清单告知全部申报材料', nameEn: 'One checklist names every required material' },
  { code: '409', level: 4, name: '用告知承诺减免申报材料', nameEn: 'Fewer materials thanks to notification and commitment' },
  { code: '410', level: 4, name: '可以在线预约办理', nameEn: 'Appointments can be booked online' },
  { code: '411', level: 4, name: '跑大厅一次办完', nameEn: 'Done in a single visit to the service hall' },
  { code: '412', level: 4, name: '可以使用自助机办理', nameEn: 'Can be handled at a self-service machine' },
  { code: '413', level: 4, name: '服务态度较好', nameEn: 'Good service attitude' },

  { code: '307', level: 3, name: '一次性告知需要补正的材料', nameEn: 'All missing materials were pointed out at once' },
  { code: '308', level: 3, name: '提供申报材料样本', nameEn: 'Sample application materials provided' },
  { code: '309', level: 3, name: '在承诺的时间内办结', nameEn: 'Completed within the promised time' },
  { code: '310', level: 3, name: '办事指南指引准确', nameEn: 'The service guide was accurate' },
  { code: '311', level: 3, name: '按办事指南要求的材料即可办理', nameEn: 'The materials listed in the guide were enough' },
  { code: '312', level: 3, name: '可以快递送达', nameEn: 'Results can be delivered by courier' },
  { code: '313', level: 3, name: '跑动次数与承诺的一致', nameEn: 'Number of trips as promised' },
  { code: '314', level: 3, name: '服务态度一般', nameEn: 'Average service attitude' },

  { code: '207', level: 2, name: '没有提供材料样本', nameEn: 'No sample materials provided' },
  { code: '208', level: 2, name: '没有提供材料清单', nameEn: 'No checklist of materials provided' },
  { code: '209', level: 2, name: '未在承诺时间内办结', nameEn: 'Not completed within the promised time' },
  { code: '210', level: 2, name: '同样内容的证明材料被要求多次提交', nameEn: 'Asked to submit the same proof more than once' },
  { code: '211', level: 2, name: '承诺网办但无法在线办理', nameEn: 'Promised online, but could not be handled online' },
  { code: '212', level: 2, name: '在线预约办理后到实体大厅重复取号排队', nameEn: 'Booked online, yet had to queue for a number again at the hall' },
  { code: '213', level: 2, name: '窗口人员业务不熟练', nameEn: 'Window staff unfamiliar with the procedure' },
  { code: '214', level: 2, name: '服务态度生硬', nameEn: 'Curt service attitude' },

  { code: '108', level: 1, name: '在办事指南之外增加新的审批条件', nameEn: 'Approval conditions added beyond the service guide' },
  { code: '109', level: 1, name: '需提供办事指南之外的申报材料', nameEn: 'Materials demanded beyond the service guide' },
  { code: '110', level: 1, name: '无理由超过法定办理时间', nameEn: 'Statutory time limit exceeded without reason' },
  { code: '111', level: 1, name: '办事指南提供样本有错', nameEn: 'The samples in the service guide contain errors' },
  { code: '112', level: 1, name: '承诺在线收取申报材料实际无法收取', nameEn: 'Promised online submission of materials did not work' },
  { code: '113', level: 1, name: '多头跑窗口和部门', nameEn: 'Sent back and forth between windows and departments' },
  { code: '114', level: 1, name: '跑动次数与承诺的不一致', nameEn: 'More trips than promised' },
  { code: '115', level: 1, name: '服务态度差效率低', nameEn: 'Poor attitude and low efficiency' },
];

const retired = (code: string, name: string, nameEn: string): RetiredTagDefinition => ({
  code,
  level: tagLevel(code)!,
  name,
  nameEn,
  version: RETIRED_TAGS_VERSION,
  retired: true,
});

/**
 * The older set (501…107) that the national interface calls retired (docs/exchange.md). Its wording was not available to us:
 * these names are plausible placeholders, so that imports of old ratings exercise the
 * "retired tag" path; replace them when the real 2019 list is found.
 */
export const RETIRED_TAGS: ReadonlyArray<RetiredTagDefinition> = [
  retired('501', '办事流程简便', 'Simple procedure'),
  retired('502', '一次办成', 'Done in one go'),
  retired('503', '申请材料精简', 'Few application materials'),
  retired('504', '服务热情周到', 'Warm and attentive service'),
  retired('505', '办理时间短', 'Short processing time'),
  retired('401', '办事指南清晰', 'Clear service guide'),
  retired('402', '现场引导到位', 'Good guidance on site'),
  retired('403', '办理进度可查询', 'Progress can be tracked'),
  retired('404', '服务态度较好', 'Good service attitude'),
  retired('405', '等候时间较短', 'Short waiting time'),
  retired('301', '基本按时办结', 'Mostly completed on time'),
  retired('302', '材料要求基本明确', 'Material requirements mostly clear'),
  retired('303', '跑动次数较少', 'Few trips needed'),
  retired('304', '服务态度一般', 'Average service attitude'),
  retired('305', '等候时间一般', 'Average waiting time'),
  retired('306', '办事指南基本准确', 'Service guide mostly accurate'),
  retired('201', '办事指南不清晰', 'Unclear service guide'),
  retired('202', '材料要求不明确', 'Unclear material requirements'),
  retired('203', '等候时间较长', 'Long waiting time'),
  retired('204', '办理进度无法查询', 'Progress cannot be tracked'),
  retired('205', '工作人员业务不熟练', 'Staff unfamiliar with the procedure'),
  retired('206', '服务态度生硬', 'Curt service attitude'),
  retired('101', '办事指南与实际不符', 'Service guide does not match practice'),
  retired('102', '多次补交材料', 'Had to add materials several times'),
  retired('103', '超时办结', 'Completed late'),
  retired('104', '多头跑动', 'Sent between several offices'),
  retired('105', '服务态度恶劣', 'Rude service'),
  retired('106', '推诿扯皮', 'Passing the buck'),
  retired('107', '吃拿卡要', 'Asking for favours or bribes'),
];

/** The level a tag code belongs to (its first digit), or null when it is not a 3-digit code of level 1–5. */
export function tagLevel(code: string): TagLevel | null {
  if (!/^[1-5]\d\d$/.test(code)) return null;
  return Number(code.charAt(0)) as TagLevel;
}

const CURRENT_BY_CODE = new Map(NATIONAL_TAGS.map((t) => [t.code, t]));

/** Whether a code is in the current dictionary and belongs to the given level. */
export function isTagValidForLevel(code: string, level: number): boolean {
  return CURRENT_BY_CODE.get(code)?.level === level;
}

/** The current tags of one level. */
export function nationalTagsForLevel(level: TagLevel): ReadonlyArray<TagDefinition> {
  return NATIONAL_TAGS.filter((t) => t.level === level);
}
