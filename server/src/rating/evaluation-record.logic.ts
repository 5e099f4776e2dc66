import type { Channel } from '../catalog/channel.logic.js';
import { readRecord, type RecordReader } from '../common/record-value.js';
import type { BatchEvaluationInput } from './rating.service.js';

const DIMENSIONS = 'a list of { key, level }';
const LEVEL = { min: 1, max: 5, expected: 'an integer 1–5 (5 = 非常满意)' };

/**
 * R8, R9: one rating of submitEvaluations, read field by field in our names (the types of
 * SubmitEvaluationInput): a missing or wrongly typed field (`level: "5"`, `level: 9`, no `level`)
 * throws BAD_USER_INPUT naming the field, which refuses this record only. Pure.
 */
export function evaluationRecordInput(record: Readonly<Record<string, unknown>>): BatchEvaluationInput {
  const r = readRecord(record, { lenient: false });
  const dimensions = r.objects('dimensions', DIMENSIONS, (d: RecordReader) => [d.text('key', true)!, d.int('level', true, LEVEL)!] as const);
  return {
    token: r.text('token'),
    projectNo: r.text('projectNo'),
    serviceNumber: r.int('serviceNumber'),
    level: r.int('level', true, LEVEL)!,
    dimensions: dimensions ? Object.fromEntries(dimensions) : null,
    tags: r.codes('tags'),
    comment: r.text('comment'),
    // An unknown channel name is refused per record by the rules (checkChannel).
    channel: r.text('channel') as Channel | null,
    raterName: r.text('raterName'),
    raterMobile: r.text('raterMobile'),
    submissionId: r.text('submissionId'),
    externalId: r.text('externalId'),
  };
}
