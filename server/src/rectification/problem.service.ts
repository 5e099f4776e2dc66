import type { RectificationDeps } from './rectification.deps.js';
import type { Actor } from '../common/actor.js';
import { ForbiddenError, IllegalTransitionError, InvalidInputError, NotFoundError } from '../common/errors.js';
import type { Em } from '../db/orm.js';
import { canCloseProblem } from './problem.logic.js';
import { canSeeCase } from './rectification.access.js';
import { RectProblemSchema, type RectProblem } from './rectification.entities.js';

function text(field: string, value: string, max: number): string {
  const v = value.trim();
  if (!v || Array.from(v).length > max) throw InvalidInputError.field(field, `1–${max} characters`, value);
  return v;
}

async function load(em: Em, actor: Actor, id: number): Promise<RectProblem> {
  const p = await em.findOne(RectProblemSchema, { id });
  if (!p || !canSeeCase(actor, { departmentPath: p.departmentPath, handlingDepartmentPath: null, regionCode: p.regionCode })) {
    throw NotFoundError.of('common problem', String(id));
  }
  return p;
}

/** R20: the responsible department records the common cause and the measures taken. */
export async function analyseProblem(app: RectificationDeps, actor: Actor, id: number, cause: string, measures: string): Promise<RectProblem> {
  if (actor.role !== 'department') throw ForbiddenError.role(['department'], actor.role);
  const em = app.orm.em.fork() as Em;
  const p = await load(em, actor, id);
  if (p.state !== 'OPEN') throw IllegalTransitionError.from('ANALYSE', p.state, p.state === 'ANALYSED' ? ['CLOSE'] : []);
  p.cause = text('cause', cause, 1000);
  p.measures = text('measures', measures, 1000);
  p.state = 'ANALYSED';
  p.analysedAt = app.clock.now().getTime();
  p.analysedBy = actor.label;
  await em.flush();
  return p;
}

/** R20 (双归零): a problem closes only after all its cases are closed or invalidated. */
export async function closeProblem(app: RectificationDeps, actor: Actor, id: number, note: string): Promise<RectProblem> {
  if (actor.role !== 'department' && actor.role !== 'supervisor') throw ForbiddenError.role(['department', 'supervisor'], actor.role);
  const em = app.orm.em.fork() as Em;
  return em.transactional(async (t) => {
    const tx = t as Em;
    const p = await load(tx, actor, id);
    const states = await tx.execute<Array<{ state: string }>>('select state from rect_case where problem_id = ?', [id]);
    const why = canCloseProblem(
      p.state,
      states.map((s) => s.state),
    );
    if (why) throw IllegalTransitionError.from('CLOSE', p.state, p.state === 'OPEN' ? ['ANALYSE'] : [], why);
    p.state = 'CLOSED';
    p.openKey = null;
    p.closedAt = app.clock.now().getTime();
    p.closedBy = actor.label;
    p.closeNote = text('note', note, 1000);
    await tx.flush();
    return p;
  });
}
