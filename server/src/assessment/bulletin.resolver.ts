import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../common/context.js';
import type { Bulletin } from './bulletin.entities.js';
import { approveBulletin, generateBulletin, getBulletin, listBulletins, publicBulletins, type BulletinDeps } from './bulletin.service.js';
import { BulletinView } from './bulletin.types.js';

// Who may read or generate a region's bulletins is decided in bulletin.service (supervisors of the
// region, admins); approved ones are public.

function view(b: Bulletin): BulletinView {
  const content = JSON.parse(b.content) as { title?: string };
  return {
    id: b.id,
    regionCode: b.regionCode,
    period: b.period,
    status: b.status,
    title: content.title ?? '',
    content: b.content,
    generatedAt: new Date(Number(b.generatedAt)),
    approvedBy: b.approvedBy,
    approvedAt: b.approvedAt === null ? null : new Date(Number(b.approvedAt)),
  };
}

@Resolver()
export class BulletinResolver {
  @Authorized('supervisor', 'admin')
  @Query(() => [BulletinView], { description: 'The bulletins (通报) of a region, drafts and approved, newest period first' })
  async bulletins(@Arg('regionCode', () => String) regionCode: string, @Ctx() { app, actor }: Context<BulletinDeps>): Promise<BulletinView[]> {
    return (await listBulletins(app, actor, regionCode)).map(view);
  }

  @Authorized('supervisor', 'admin')
  @Query(() => BulletinView, { description: 'One bulletin' })
  async bulletin(@Arg('id', () => Int) id: number, @Ctx() { app, actor }: Context<BulletinDeps>): Promise<BulletinView> {
    return view(await getBulletin(app, actor, id));
  }

  @Authorized('public')
  @Query(() => [BulletinView], { description: 'The approved (published, 公开) bulletins of a region; no personal data' })
  async publicBulletins(@Arg('regionCode', () => String) regionCode: string, @Ctx() { app }: Context<BulletinDeps>): Promise<BulletinView[]> {
    return (await publicBulletins(app, regionCode)).map(view);
  }

  @Authorized('supervisor', 'admin')
  @Mutation(() => BulletinView, { description: 'Generates (or regenerates a draft of) the bulletin of a region for a month YYYY-MM or quarter YYYY-Qn' })
  async generateBulletin(
    @Arg('regionCode', () => String) regionCode: string,
    @Arg('period', () => String) period: string,
    @Ctx() { app, actor }: Context<BulletinDeps>,
  ): Promise<BulletinView> {
    return view(await generateBulletin(app, actor, regionCode, period));
  }

  @Authorized('supervisor', 'admin')
  @Mutation(() => BulletinView, { description: 'Approves a draft bulletin: it is published from then on (audited)' })
  async approveBulletin(@Arg('id', () => Int) id: number, @Ctx() { app, actor }: Context<BulletinDeps>): Promise<BulletinView> {
    return view(await approveBulletin(app, actor, id));
  }
}

export const bulletinResolvers = [BulletinResolver] as const;
