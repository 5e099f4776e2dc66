import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { Context } from '../common/context.js';
import { CSV_BOM, csvLine } from '../common/csv.logic.js';
import { InvalidInputError } from '../common/errors.js';
import { FINDING_KINDS, type FindingKind } from './quality.logic.js';
import { countFindings, eachFinding, listFindings, type FindingFilter, type QualityDeps } from './quality.service.js';
import { QualityFindingCount, QualityFindingFilter, QualityFindingPage, QualityFindingView } from './quality.types.js';
import type { QualityFinding } from './quality.entities.js';

/** Header of the findings CSV, Chinese then the field name. */
export const FINDING_CSV_HEADER = [
  '编号 id',
  '类型 kind',
  '部门 departmentId',
  '办件 recordKey',
  '字段 field',
  '报送值 givenValue',
  '事项库值 expected',
  '说明 message',
  '拒收代码 refused',
  '来源 source',
  '报送方 sender',
  '时间 at',
];
const CSV_LIMIT = 100_000;

export function findingCsvRow(f: QualityFinding): string {
  return csvLine([f.id, f.kind, f.departmentId, f.recordKey, f.field, f.givenValue, f.expected, f.message, f.refused, f.source, f.sender, new Date(f.at)]);
}

function filterOf(filter: QualityFindingFilter | null): FindingFilter {
  if (filter?.kind && !FINDING_KINDS.includes(filter.kind as FindingKind)) throw InvalidInputError.field('kind', FINDING_KINDS.join(', '), filter.kind);
  return filter ?? {};
}

function view(f: QualityFinding): QualityFindingView {
  return { ...f, at: new Date(f.at) };
}

@Resolver()
export class QualityResolver {
  @Authorized('department', 'supervisor', 'system', 'admin')
  @Query(() => QualityFindingPage, {
    description: 'Quality findings (数据质检, R25), newest first: officers see their department, supervisors their region, admins all',
  })
  async qualityFindings(
    @Arg('filter', () => QualityFindingFilter, { nullable: true }) filter: QualityFindingFilter | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() { app, actor }: Context<QualityDeps>,
  ): Promise<QualityFindingPage> {
    if (!Number.isInteger(first) || first < 1 || first > 500) throw InvalidInputError.field('first', 'an integer 1–500', first);
    if (after != null && !/^\d{1,15}$/.test(after)) throw InvalidInputError.field('after', 'the endCursor of the previous page', after);
    const page = await listFindings(app, actor, filterOf(filter), first, after);
    return { ...page, nodes: page.nodes.map(view) };
  }

  @Authorized('department', 'supervisor', 'system', 'admin')
  @Query(() => [QualityFindingCount], { description: 'Quality findings counted per department and kind, within the caller’s scope (R25)' })
  async qualityFindingCounts(
    @Arg('filter', () => QualityFindingFilter, { nullable: true }) filter: QualityFindingFilter | null,
    @Ctx() { app, actor }: Context<QualityDeps>,
  ): Promise<QualityFindingCount[]> {
    return countFindings(app, actor, filterOf(filter));
  }

  @Authorized('department', 'supervisor', 'admin')
  @Query(() => String, {
    description: `The findings in scope as CSV (UTF-8 with BOM, opens right in Excel), oldest first; at most ${CSV_LIMIT} rows, else narrow the filter`,
  })
  async qualityFindingsCsv(
    @Arg('filter', () => QualityFindingFilter, { nullable: true }) filter: QualityFindingFilter | null,
    @Ctx() { app, actor }: Context<QualityDeps>,
  ): Promise<string> {
    const parts = [CSV_BOM, csvLine(FINDING_CSV_HEADER)];
    let n = 0;
    for await (const f of eachFinding(app, actor, filterOf(filter))) {
      if (++n > CSV_LIMIT) throw InvalidInputError.field('filter', `a filter matching at most ${CSV_LIMIT} findings`, 'more');
      parts.push(findingCsvRow(f));
    }
    return parts.join('');
  }
}
