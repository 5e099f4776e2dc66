// The rater's page sends the example operation of schema/operations/, which the server tests run and
// test/dashboard/operations.test.ts checks against the schema.
import rerateRectification from '../../../schema/operations/rerate-rectification.graphql?raw';

export const rerateMutation = rerateRectification;
