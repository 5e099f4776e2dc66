// The dashboard sends the example operations of schema/operations/, so a schema change that breaks
// them fails test/dashboard/operations.test.ts rather than a hall screen.
import screenOverview from '../../../schema/operations/screen-overview.graphql?raw';
import screenBreakdown from '../../../schema/operations/screen-breakdown.graphql?raw';
import screenHotTags from '../../../schema/operations/screen-hot-tags.graphql?raw';
import screenFeed from '../../../schema/operations/screen-feed.graphql?raw';
import screenTrend from '../../../schema/operations/screen-trend.graphql?raw';
import screenRanking from '../../../schema/operations/screen-ranking.graphql?raw';
import screenRectification from '../../../schema/operations/screen-rectification.graphql?raw';
import screenContext from '../../../schema/operations/screen-context.graphql?raw';
import childRegions from '../../../schema/operations/child-regions.graphql?raw';
import ratingTicket from '../../../schema/operations/rating-ticket.graphql?raw';
import tagsForLevel from '../../../schema/operations/tags-for-level.graphql?raw';
import submitEvaluation from '../../../schema/operations/submit-evaluation.graphql?raw';
import windowIdle from '../../../schema/operations/window-idle.graphql?raw';
import terminalIdle from '../../../schema/operations/terminal-idle.graphql?raw';
import ratingPresented from '../../../schema/operations/rating-presented.graphql?raw';
import issueRatingToken from '../../../schema/operations/issue-rating-token.graphql?raw';

export const ops = {
  screenOverview,
  screenBreakdown,
  screenHotTags,
  screenFeed,
  screenTrend,
  screenRanking,
  screenRectification,
  screenContext,
  childRegions,
  ratingTicket,
  tagsForLevel,
  submitEvaluation,
  windowIdle,
  terminalIdle,
  ratingPresented,
  issueRatingToken,
};
