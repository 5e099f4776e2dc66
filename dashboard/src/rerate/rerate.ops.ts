// The rater's page sends the example operations of schema/operations/, which the server tests run and
// test/dashboard/operations.test.ts checks against the schema.
import rerateRectification from '../../../schema/operations/rerate-rectification.graphql?raw';
import rerateTicket from '../../../schema/operations/rerate-ticket.graphql?raw';

export const rerateMutation = rerateRectification;
export const rerateTicketQuery = rerateTicket;
