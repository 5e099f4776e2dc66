import { shanghaiDateTime } from './calendar.logic.js';
import { ACTION_NAMES, STATE_NAMES, type RectAction, type RectCaseState } from './rectification.logic.js';

/**
 * The rectification record the provincial platform receives (R17, R26), in the layout of
 * docs/exchange.md (R17, R26): the evaluation's keys (projectNo, serviceNumber, assessNumber), its validity
 * (effectivEvalua), and the vendor fields of a rectification record: founded (属实), reasonable (合理),
 * malicious (恶意), handling grade, proposed handling, leader instruction, rectification content
 * (≤255 characters), deadline, reply to the rater (answer / answerStatus), callback result and the
 * rater's satisfaction with the fix. Never personal data: the platform has the rater from the rating.
 */
export interface RectificationRecord {
  recordId: string;
  projectNo: string;
  serviceNumber: number;
  assessNumber: number;
  /** The original rating, interface order (5 = 非常满意 … 1 = 非常不满意). */
  satisfaction: number;
  assessTime: string;
  deptCode: string;
  deptName: string;
  areaCode: string;
  taskCode: string;
  /** "1" valid, "0" invalidated by an upheld appeal or as malicious (R18). */
  effectivEvalua: '0' | '1';
  invalidReason: string | null;
  status: string;
  statusName: string;
  operation: string;
  operationName: string;
  operateTime: string;
  isTrue: '0' | '1' | null;
  isReasonable: '0' | '1' | null;
  isMalicious: '0' | '1' | null;
  /** 1 立整立改 simple, 2 限时整改 general, 3 综合协调 complex. */
  handleGrade: '1' | '2' | '3' | null;
  proposedHandling: string | null;
  leaderInstruction: string | null;
  rectification: string | null;
  deadline: string;
  extended: '0' | '1';
  extensionReason: string | null;
  answer: string | null;
  answerStatus: '0' | '1';
  callbackResult: '0' | '1' | null;
  callbackSatisfaction: number | null;
  overdue: '0' | '1';
  appealStatus: 'NONE' | 'PENDING' | 'UPHELD' | 'MALICIOUS' | 'REJECTED';
}

export interface RecordRefs {
  caseId: number;
  seq: number;
  projectNo: string;
  serviceNumber: number;
  assessNumber: number;
  ratedAt: number;
  deptCode: string;
  deptName: string;
  areaCode: string;
  taskCode: string;
  ratingValid: boolean;
}

const bit = (v: boolean | null): '0' | '1' | null => (v === null ? null : v ? '1' : '0');
const GRADE = { SIMPLE: '1', GENERAL: '2', COMPLEX: '3' } as const;

export function toRectificationRecord(c: RectCaseState, action: RectAction, at: number, refs: RecordRefs): RectificationRecord {
  return {
    recordId: `${refs.caseId}-${refs.seq}`,
    projectNo: refs.projectNo,
    serviceNumber: refs.serviceNumber,
    assessNumber: refs.assessNumber,
    satisfaction: c.level,
    assessTime: shanghaiDateTime(refs.ratedAt),
    deptCode: refs.deptCode,
    deptName: refs.deptName,
    areaCode: refs.areaCode,
    taskCode: refs.taskCode,
    effectivEvalua: refs.ratingValid ? '1' : '0',
    invalidReason: c.invalidReason,
    status: c.state,
    statusName: STATE_NAMES[c.state],
    operation: action,
    operationName: ACTION_NAMES[action],
    operateTime: shanghaiDateTime(at),
    isTrue: c.finding === null ? null : bit(c.finding === 'FOUNDED'),
    isReasonable: bit(c.reasonable),
    isMalicious: c.finding === null && c.appealDecision !== 'MALICIOUS' ? null : bit(c.finding === 'MALICIOUS' || c.appealDecision === 'MALICIOUS'),
    handleGrade: c.rectClass ? GRADE[c.rectClass] : null,
    proposedHandling: c.proposedHandling,
    leaderInstruction: c.leaderInstruction,
    rectification: c.content,
    // Deadlines end at 24:00; the interface writes the last second of the day.
    deadline: shanghaiDateTime(c.rectifyDueAt - 1000),
    extended: c.extensions > 0 ? '1' : '0',
    extensionReason: c.extensionReason,
    answer: c.reply,
    answerStatus: c.reply ? '1' : '0',
    callbackResult: bit(c.callbackReached),
    callbackSatisfaction: c.callbackSatisfaction,
    overdue: c.overdue ? '1' : '0',
    appealStatus: c.appealedAt === null ? 'NONE' : (c.appealDecision ?? 'PENDING'),
  };
}
