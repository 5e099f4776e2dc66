// The workspace sends the example operations of schema/operations/, which the server tests also run.
import queue from '../../../schema/operations/rectification-queue.graphql?raw';
import caseDetail from '../../../schema/operations/rectification-case.graphql?raw';
import dispatch from '../../../schema/operations/dispatch-rectification.graphql?raw';
import verify from '../../../schema/operations/verify-rectification.graphql?raw';
import classify from '../../../schema/operations/classify-rectification.graphql?raw';
import rectify from '../../../schema/operations/rectify-rectification.graphql?raw';
import feedBack from '../../../schema/operations/feed-back-rectification.graphql?raw';
import callBack from '../../../schema/operations/record-callback.graphql?raw';
import close from '../../../schema/operations/close-rectification.graphql?raw';
import appeal from '../../../schema/operations/appeal-rectification.graphql?raw';
import decideAppeal from '../../../schema/operations/decide-appeal.graphql?raw';
import extend from '../../../schema/operations/extend-rectification-deadline.graphql?raw';
import raterContact from '../../../schema/operations/rater-contact.graphql?raw';
import figures from '../../../schema/operations/rectification-figures.graphql?raw';
import ranking from '../../../schema/operations/assessment-ranking.graphql?raw';
import supervisionList from '../../../schema/operations/supervision-list.graphql?raw';
import reviewSupervision from '../../../schema/operations/review-supervision-entry.graphql?raw';
import departmentFigures from '../../../schema/operations/department-figures.graphql?raw';
import figureComparison from '../../../schema/operations/figure-comparison.graphql?raw';
import figureComparisonLive from '../../../schema/operations/figure-comparison-live.graphql?raw';
import dimensionsLive from '../../../schema/operations/dimensions-live.graphql?raw';
import problems from '../../../schema/operations/common-problems.graphql?raw';
import outboxStatus from '../../../schema/operations/outbox-status.graphql?raw';
import retryOutbox from '../../../schema/operations/retry-outbox-record.graphql?raw';
import discardOutbox from '../../../schema/operations/discard-outbox-record.graphql?raw';
import fraudSignals from '../../../schema/operations/fraud-signals.graphql?raw';
import reviewFraudSignal from '../../../schema/operations/review-fraud-signal.graphql?raw';
import detectFraudSignals from '../../../schema/operations/detect-fraud-signals.graphql?raw';
import commentThemes from '../../../schema/operations/comment-themes.graphql?raw';
import confirmTheme from '../../../schema/operations/confirm-theme.graphql?raw';
import analyseProblem from '../../../schema/operations/analyse-common-problem.graphql?raw';
import closeProblem from '../../../schema/operations/close-common-problem.graphql?raw';
import qualityFindings from '../../../schema/operations/quality-findings.graphql?raw';
import qualityFindingsCsv from '../../../schema/operations/quality-findings-csv.graphql?raw';
import importCatalog from '../../../schema/operations/import-catalog.graphql?raw';

export const wsOps = {
  qualityFindings,
  qualityFindingsCsv,
  importCatalog,
  queue,
  caseDetail,
  raterContact,
  figures,
  problems,
  outboxStatus,
  retryOutbox,
  discardOutbox,
  ranking,
  departmentFigures,
  figureComparison,
  /** The department page's comparison and dimensions, pushed by the server after every change. */
  figureComparisonLive,
  dimensionsLive,
  /** The department page reloads when its scope's overview changes (the big screen's live topic). */
  overviewLive: 'subscription ($filter: StatsFilter) { overviewChanged(filter: $filter) { seq } }',
  supervisionList,
  reviewSupervision,
  fraudSignals,
  reviewFraudSignal,
  detectFraudSignals,
  commentThemes,
  confirmTheme,
  analyseProblem,
  closeProblem,
  actions: {
    DISPATCH: dispatch,
    VERIFY: verify,
    CLASSIFY: classify,
    RECTIFY: rectify,
    FEED_BACK: feedBack,
    CALL_BACK: callBack,
    CLOSE: close,
    APPEAL: appeal,
    DECIDE_APPEAL: decideAppeal,
    EXTEND: extend,
  },
  login: 'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token expiresAt role displayName } }',
  logout: 'mutation { logout }',
  changes: 'subscription { rectificationChanged { action caseIds state overdue at } }',
};

export type WorkspaceAction = keyof typeof wsOps.actions;
