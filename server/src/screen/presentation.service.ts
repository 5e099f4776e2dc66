import type { Actor } from '../common/actor.js';
import type { Clock } from '../common/clock.js';
import { randomSecret } from '../common/crypto.js';
import { AlreadyRatedError, ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors.js';
import type { Kernel } from '../common/kernel.js';
import type { ChangeBus, ChangeEvent } from '../common/pubsub.js';
import type { Database, Em } from '../db/orm.js';
import { DepartmentSchema } from '../catalog/catalog.entities.js';
import { ServiceSchema } from '../case/case.entities.js';
import { toServiceView } from '../case/case.view.js';
import { checkRatingWindow } from '../rating/rating.logic.js';
import { deviceKeyOf, isPresentationLive, PRESENTATION_TTL_MS, presentationScope, type DeviceKey } from './screen.logic.js';
import { LatestValueIterator } from '../common/latest-value-iterator.js';

/** What a window evaluator or terminal shows before offering the levels (R7); no applicant data. */
export interface Presentation {
  id: string;
  device: DeviceKey;
  serviceId: number;
  projectNo: string;
  serviceNumber: number;
  nodeName: string;
  itemName: string;
  departmentName: string;
  staffWorkNo: string | null;
  staffName: string | null;
  windowId: number | null;
  windowNo: string | null;
  terminalId: number | null;
  terminalNo: string | null;
  presentedAt: number;
  expiresAt: number;
}

type Listener = (presentation: Presentation) => void;

/**
 * Per process: the newest presentation of each device (replayed to a device that reconnects while it
 * is live) and the devices listening here. Fed only by the change bus, so a presentation made on
 * another server arrives the same way once the Redis bridge forwards the bus.
 */
export class PresentationRegistry {
  readonly latest = new Map<DeviceKey, Presentation>();
  private readonly listeners = new Map<DeviceKey, Set<Listener>>();
  private readonly unsubscribe: () => void;

  constructor(
    bus: ChangeBus,
    private readonly clock: Clock,
  ) {
    this.unsubscribe = bus.subscribe((event) => this.onEvent(event));
  }

  close(): void {
    this.unsubscribe();
    this.listeners.clear();
    this.latest.clear();
  }

  listen(device: DeviceKey, listener: Listener): () => void {
    let set = this.listeners.get(device);
    if (!set) this.listeners.set(device, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(device) === set) this.listeners.delete(device);
    };
  }

  private onEvent(event: ChangeEvent): void {
    const p = event.kind === 'catalog' ? parsePresentation(event.detail?.presentation) : null;
    if (!p) return;
    const known = this.latest.get(p.device);
    if (known && known.presentedAt > p.presentedAt) return;
    this.latest.set(p.device, p);
    this.sweep();
    for (const listener of this.listeners.get(p.device) ?? []) listener(p);
  }

  /** Keeps memory bounded on a server that runs for months: expired presentations are dropped. */
  private sweep(): void {
    const now = this.clock.now().getTime();
    for (const [device, p] of this.latest) if (!isPresentationLive(p, now)) this.latest.delete(device);
  }
}

/** What presenting a rating on a device needs. */
export interface PresentationDeps extends Kernel, Database {
  readonly bus: ChangeBus;
  readonly presentations: PresentationRegistry;
}

/**
 * The business system asks the device at the service's window or terminal to offer the rating now
 * (R7, R8): checks the caller's department, that the service has a device and can still be rated,
 * then announces it on the change bus.
 */
export async function presentRating(app: PresentationDeps, actor: Actor, projectNo: string, serviceNumber: number): Promise<Presentation> {
  const em = app.orm.em.fork() as Em;
  const service = await em.findOne(ServiceSchema, { projectNo, serviceNumber });
  if (!service) throw NotFoundError.of('service (没有对应的服务数据)', `${projectNo}#${serviceNumber}`);
  if (actor.role === 'system') {
    const dept = await em.findOneOrFail(DepartmentSchema, { id: service.departmentId });
    if (!actor.departmentPath || !dept.path.startsWith(actor.departmentPath))
      throw ForbiddenError.scope(`service ${projectNo}#${serviceNumber} (another department's)`);
  }
  const device = deviceKeyOf(service);
  if (!device) {
    throw InvalidInputError.field('service', 'a service registered with a windowId or terminalId (a device to show it)', `${projectNo}#${serviceNumber}`);
  }
  if (service.ratingId !== null) throw AlreadyRatedError.service(projectNo, serviceNumber);
  const now = app.clock.now().getTime();
  checkRatingWindow(service, app.config, now);
  const view = await toServiceView(em, service);
  const presentation: Presentation = {
    id: randomSecret(9),
    device,
    serviceId: service.id,
    projectNo,
    serviceNumber,
    nodeName: view.nodeName,
    itemName: view.itemName,
    departmentName: view.departmentName,
    staffWorkNo: view.staffWorkNo ?? null,
    staffName: view.staffName ?? null,
    windowId: service.windowId,
    windowNo: view.windowNo ?? null,
    terminalId: service.terminalId,
    terminalNo: view.terminalNo ?? null,
    presentedAt: now,
    expiresAt: now + PRESENTATION_TTL_MS,
  };
  app.bus.publish({ kind: 'catalog', scopes: [presentationScope(device)], at: now, detail: { presentation } });
  return presentation;
}

/**
 * The presentations for one device, as an async iterator for a subscription: the live one at once
 * (when the device reconnects while it is still unrated), then each new one; newest wins.
 */
export async function presentationsFor(app: PresentationDeps, device: DeviceKey): Promise<AsyncIterableIterator<Presentation>> {
  const registry = app.presentations;
  const iterator = new LatestValueIterator<Presentation>();
  let newest: Presentation | null = null;
  const push = (p: Presentation) => {
    if (newest && (p.id === newest.id || p.presentedAt < newest.presentedAt)) return;
    newest = p;
    iterator.push(p);
  };
  iterator.onReturn(registry.listen(device, push));
  const current = registry.latest.get(device);
  if (current && isPresentationLive(current, app.clock.now().getTime())) {
    const service = await (app.orm.em.fork() as Em).findOne(ServiceSchema, { id: current.serviceId }, { fields: ['id', 'ratingId'] });
    if (service && service.ratingId === null) push(current);
  }
  return iterator;
}

function parsePresentation(value: unknown): Presentation | null {
  if (!value || typeof value !== 'object') return null;
  const p = value as Partial<Presentation>;
  if (typeof p.id !== 'string' || typeof p.device !== 'string' || !/^[WT]:\d+$/.test(p.device)) return null;
  if (typeof p.presentedAt !== 'number' || typeof p.expiresAt !== 'number' || typeof p.projectNo !== 'string') return null;
  return p as Presentation;
}
