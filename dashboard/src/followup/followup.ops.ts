// The follow-up page and the devices send the example operations of schema/operations/, which the
// server tests run and test/dashboard/operations.test.ts checks against the schema.
import issueFollowUpToken from '../../../schema/operations/issue-follow-up-token.graphql?raw';
import submitFollowUp from '../../../schema/operations/submit-follow-up.graphql?raw';

export const submitFollowUpMutation = submitFollowUp;
export const issueFollowUpTokenMutation = issueFollowUpToken;
