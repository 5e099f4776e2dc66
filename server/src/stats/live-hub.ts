import { GraphQLError, type ExecutionResult } from 'graphql/index.js'; // graphql's CommonJS entry: see graphql/live-adapter.ts
import { RateLimitedError } from '../common/errors.js';
import { log } from '../common/logger.js';
import type { ChangeBus, ChangeEvent } from '../common/pubsub.js';
import { nextSeq, shanghaiIso } from './stats.logic.js';

/**
 * Live topics. A topic is one computation — (field, canonical filter, audience,
 * options) — shared by every identical subscription; it recomputes only when a change event touches
 * one of its scopes, at most once per `liveIntervalMs`, and sends a message only when the snapshot
 * changed. Each update is executed against the subscription's selection once per distinct document
 * (a "variant") and serialised once; sockets receive the same bytes framed with their own id, written
 * directly by the transport's sinks (graphql/live-adapter.ts). The hub knows no transport.
 */

const EMPTY_RESULT: ExecutionResult = Object.freeze({});
/** Frames (per subscription prefix) a payload keeps for reuse; see LivePayload.framed. */
const FRAMES_SHARED = 8;

/** One update of one variant: computed, executed and serialised once, shared by all its subscribers. */
export class LivePayload {
  private jsonText?: string;
  private buffer?: Buffer;
  private frames?: Map<string, Buffer>;
  constructor(
    readonly seq: number,
    readonly snapshot: object,
    readonly result: ExecutionResult,
  ) {}
  /** The ExecutionResult as JSON, serialised on first use and then shared. */
  get json(): string {
    this.jsonText ??= JSON.stringify(this.result);
    return this.jsonText;
  }
  /** `json` as UTF-8, encoded once. */
  get bytes(): Buffer {
    this.buffer ??= Buffer.from(this.json, 'utf8');
    return this.buffer;
  }
  /**
   * The transport's frame of `bytes` for a subscriber, made by `build` (e.g. a graphql-ws message
   * around the payload, already framed for the wire); `key` names what `build` adds. Subscriptions
   * with the same key (clients numbering their subscriptions alike: "1", "2", …) share one Buffer, as
   * a bare broadcast would; at most FRAMES_SHARED keys are kept per payload, so distinct ones (UUIDs)
   * cost one short-lived Buffer per socket and no memory once written.
   */
  framed(key: string, build: (key: string, bytes: Buffer) => Buffer): Buffer {
    const shared = this.frames?.get(key);
    if (shared) return shared;
    const frame = build(key, this.bytes);
    this.frames ??= new Map();
    if (this.frames.size < FRAMES_SHARED) this.frames.set(key, frame);
    return frame;
  }
}

/** Where a topic's payloads go: a socket, an async iterator, a test probe. */
export interface LiveSink {
  deliver(payload: LivePayload): void;
  /** The payload last handed to it, set by the hub (a sliced fan-out skips sinks that have the newest). */
  delivered?: LivePayload;
  close?(): void;
}

/**
 * A sink that is its own subscription (LiveHub.join): the hub keeps its place in it, so a subscriber
 * costs this one object and its entry in the variant's set, with no end function beside it.
 */
export interface LiveMember extends LiveSink {
  /** Set by the hub while subscribed (opaque to the sink); cleared when it leaves. */
  liveVariant: unknown;
}

export interface LiveSourceSpec {
  key: string;
  scopes: string[];
  compute(): Promise<object>;
  /**
   * Asked after each computation: in how many ms the snapshot just computed changes by itself, with no
   * change event (a public feed's held-back bad review falls due, R12), or null. The hub recomputes
   * the topic then.
   */
  staleIn?(): number | null;
}

export interface LiveVariantSpec {
  key: string;
  /** Executes the subscriber's selection against a snapshot; absent for raw-snapshot subscribers. */
  render?(snapshot: object): ExecutionResult | Promise<ExecutionResult>;
}

export interface LiveHubOptions {
  intervalMs: number;
  /** Topics this process keeps at most; a subscription that would create one more is refused. */
  maxTopics?: number;
  now?: () => number;
}

interface Variant {
  spec: LiveVariantSpec;
  topic: Topic;
  sinks: Set<LiveSink>;
  current: LivePayload | null;
  /** A fan-out in slices is under way (see LiveHub.fanOut). */
  fanning: boolean;
}

interface Topic {
  hub: LiveHub;
  spec: LiveSourceSpec;
  variants: Map<string, Variant>;
  seq: number;
  snapshot: object | null;
  bodyJson: string | null;
  dirty: boolean;
  running: boolean;
  /** A run is queued for the end of this turn's microtasks (see schedule). */
  queued: boolean;
  timer: NodeJS.Timeout | null;
  /** Recomputes a topic whose snapshot goes stale with time (LiveSourceSpec.staleIn). */
  staleTimer: NodeJS.Timeout | null;
  lastRunAt: number;
  lastSentAt: number;
  closed: boolean;
  computeCount: number;
}

const RETIRED_SEQS_MAX = 10_000;
/**
 * A turn of a fan-out writes at most this many sinks, and stops sooner once it has taken
 * FAN_OUT_SLICE_MS (see LiveHub.fanOut): a request that arrives meanwhile (the next rating) waits for
 * one slice, not for a thousand socket writes (10–40 ms on this kind of machine). A variant this small
 * is written in one go.
 */
const FAN_OUT_SLICE = 256;
const FAN_OUT_SLICE_MS = 4;
/** How many sinks are written between two looks at the clock. */
const CLOCK_EVERY = 32;
export const DEFAULT_MAX_TOPICS = 5_000;
/** setTimeout's limit (about 24.8 days); a longer wait is taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class LiveHub {
  private readonly topics = new Map<string, Topic>();
  /** Scope key ("T", "D:12", or a prefix wildcard "S:*") → topics listening to it. */
  private readonly byScope = new Map<string, Set<Topic>>();
  /** Last sequence numbers of dropped topics, so a recreated topic continues above them (bounded). */
  private readonly retiredSeqs = new Map<string, number>();
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly maxTopics: number;
  private readonly detach: Array<() => void> = [];

  constructor(options: LiveHubOptions) {
    this.intervalMs = options.intervalMs;
    this.now = options.now ?? (() => Date.now());
    this.maxTopics = options.maxTopics ?? DEFAULT_MAX_TOPICS;
  }

  /** Whether a topic with this key is live now (subscribing to it creates nothing new). */
  has(key: string): boolean {
    return this.topics.has(key);
  }

  /**
   * Adds a subscriber; it receives the current payload at once if there is one. Returns the
   * unsubscribe. Refused with RATE_LIMITED when it would create a topic beyond `maxTopics`.
   */
  subscribe(source: LiveSourceSpec, variant: LiveVariantSpec, sink: LiveSink): () => void {
    const v = this.add(source, variant, sink);
    return this.unsubscriber(v, sink);
  }

  /**
   * Adds a subscriber that holds its own place (see LiveMember), ended by `LiveHub.leave(member)`:
   * nothing but the member is kept per subscription. Refused like `subscribe`.
   */
  join(source: LiveSourceSpec, variant: LiveVariantSpec, member: LiveMember): void {
    member.liveVariant = this.add(source, variant, member);
  }

  /** Ends a subscription made by `join` (again: nothing). */
  static leave(member: LiveMember): void {
    const v = member.liveVariant as Variant | null | undefined;
    if (!v) return;
    member.liveVariant = null;
    v.topic.hub.remove(v, member);
  }

  private add(source: LiveSourceSpec, variant: LiveVariantSpec, sink: LiveSink): Variant {
    let topic = this.topics.get(source.key);
    if (!topic && this.topics.size >= this.maxTopics) {
      throw new RateLimitedError(`this server computes its maximum of ${this.maxTopics} live topics; subscribe to a topic already live or try again later`);
    }
    if (!topic) {
      topic = {
        hub: this,
        spec: source,
        variants: new Map(),
        seq: this.retiredSeqs.get(source.key) ?? 0,
        snapshot: null,
        bodyJson: null,
        dirty: true,
        running: false,
        queued: false,
        timer: null,
        staleTimer: null,
        lastRunAt: -Infinity,
        lastSentAt: -Infinity,
        closed: false,
        computeCount: 0,
      };
      this.topics.set(source.key, topic);
      for (const scope of source.scopes) {
        let set = this.byScope.get(scope);
        if (!set) this.byScope.set(scope, (set = new Set()));
        set.add(topic);
      }
    }
    let v = topic.variants.get(variant.key);
    if (!v) topic.variants.set(variant.key, (v = { spec: variant, topic, sinks: new Set(), current: null, fanning: false }));
    v.sinks.add(sink);
    if (v.current) deliver(sink, v.current);
    else if (topic.snapshot) void this.render(topic, v);
    if (topic.dirty) this.schedule(topic);
    return v;
  }

  /**
   * The subscription's end. Made apart from `subscribe` so that it holds only the shared topic and
   * variant and its own sink, not the caller's specs (their keys, closures and arguments), which would
   * otherwise live as long as each idle subscriber.
   */
  private unsubscriber(vv: Variant, sink: LiveSink): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.remove(vv, sink);
    };
  }

  private remove(vv: Variant, sink: LiveSink): void {
    const t = vv.topic;
    sink.close?.();
    vv.sinks.delete(sink);
    if (vv.sinks.size === 0 && t.variants.get(vv.spec.key) === vv) t.variants.delete(vv.spec.key);
    if (t.variants.size === 0) this.drop(t);
  }

  /** Marks the topics a committed change can affect; they recompute at their next slot. */
  onChange(event: ChangeEvent): void {
    if (event.scopes.length === 0) {
      this.markAllDirty();
      return;
    }
    const hit = new Set<Topic>();
    for (const scope of event.scopes) {
      for (const t of this.byScope.get(scope) ?? []) hit.add(t);
      const wildcard = `${scope.slice(0, scope.indexOf(':') + 1)}*`;
      if (wildcard !== '*') for (const t of this.byScope.get(wildcard) ?? []) hit.add(t);
    }
    for (const t of hit) this.markDirty(t);
  }

  /** After missed events (Redis lost, restart): every topic recomputes from the database. */
  markAllDirty(): void {
    for (const t of this.topics.values()) this.markDirty(t);
  }

  /** Counters for tests and health checks. */
  stats(): { topics: number; variants: number; subscribers: number; computations: number } {
    let variants = 0;
    let subscribers = 0;
    let computations = 0;
    for (const t of this.topics.values()) {
      variants += t.variants.size;
      computations += t.computeCount;
      for (const v of t.variants.values()) subscribers += v.sinks.size;
    }
    return { topics: this.topics.size, variants, subscribers, computations };
  }

  /** Feeds the hub from a change bus; returns the detach function. */
  listen(bus: ChangeBus): () => void {
    const unsubscribe = bus.subscribe((event) => this.onChange(event));
    this.detach.push(unsubscribe);
    return unsubscribe;
  }

  /** Detaches from the bus and drops every topic (server shutdown). */
  close(): void {
    this.detach.splice(0).forEach((unsubscribe) => unsubscribe());
    for (const t of [...this.topics.values()]) this.drop(t);
  }

  private markDirty(t: Topic): void {
    t.dirty = true;
    if (!t.running) this.schedule(t);
  }

  /**
   * Runs the topic now if nothing ran within the interval (an idle topic answers a lone change with no
   * timer wait), else at the end of the interval. "Now" is the end of the current turn's microtasks:
   * the events published together (the ratings of one group commit, the messages of one Redis read)
   * then make one computation that includes them all, instead of one now and one an interval later.
   */
  private schedule(t: Topic): void {
    if (t.timer || t.queued || t.running || t.closed) return;
    const wait = Math.max(t.lastRunAt, t.lastSentAt) + this.intervalMs - this.now();
    if (wait <= 0) {
      t.queued = true;
      queueMicrotask(() => {
        t.queued = false;
        void this.run(t);
      });
      return;
    }
    t.timer = setTimeout(() => {
      t.timer = null;
      void this.run(t);
    }, wait);
    t.timer.unref?.();
  }

  private async run(t: Topic): Promise<void> {
    if (t.closed || t.running) return;
    t.running = true;
    t.dirty = false;
    t.lastRunAt = this.now();
    t.computeCount += 1;
    let body: object;
    try {
      body = await t.spec.compute();
    } catch (err) {
      log.error('live topic failed to compute; retrying at its next slot', { topic: t.spec.key, error: err instanceof Error ? err.message : String(err) });
      t.running = false;
      t.dirty = true;
      this.schedule(t);
      return;
    }
    t.running = false;
    if (t.closed) return;
    this.scheduleStale(t);
    const bodyJson = JSON.stringify(body);
    if (bodyJson !== t.bodyJson || !t.snapshot) {
      const now = this.now();
      t.bodyJson = bodyJson;
      t.seq = nextSeq(t.seq, now);
      t.snapshot = { ...body, seq: t.seq, asOf: shanghaiIso(now) };
      t.lastSentAt = now;
      for (const v of t.variants.values()) void this.render(t, v);
    }
    if (t.dirty) this.schedule(t);
  }

  /** Marks the topic dirty when its snapshot goes stale by itself; never sooner than one interval. */
  private scheduleStale(t: Topic): void {
    if (t.staleTimer) clearTimeout(t.staleTimer);
    t.staleTimer = null;
    const wait = t.spec.staleIn?.() ?? null;
    if (wait === null) return;
    t.staleTimer = setTimeout(
      () => {
        t.staleTimer = null;
        this.markDirty(t);
      },
      Math.min(Math.max(wait, this.intervalMs), MAX_TIMER_MS),
    );
    t.staleTimer.unref?.();
  }

  private async render(t: Topic, v: Variant): Promise<void> {
    const snapshot = t.snapshot!;
    const seq = t.seq;
    let result: ExecutionResult;
    try {
      result = v.spec.render ? await v.spec.render(snapshot) : EMPTY_RESULT;
    } catch (err) {
      // A bug, not a data problem: tell the subscribers rather than leave them waiting in silence.
      log.error('live topic failed to render', { topic: t.spec.key, error: err instanceof Error ? err.stack : String(err) });
      result = {
        errors: [
          new GraphQLError('internal error: this live topic could not be rendered; the server logged the details', {
            extensions: { code: 'INTERNAL_SERVER_ERROR' },
          }),
        ],
      };
    }
    if (v.current && v.current.seq >= seq) return;
    const payload = new LivePayload(seq, snapshot, result);
    v.current = payload;
    await this.fanOut(v);
  }

  /**
   * Hands the newest payload to every sink of the variant in slices (at most FAN_OUT_SLICE sinks or
   * FAN_OUT_SLICE_MS each) with a turn of the event loop between them: ten thousand socket writes in one
   * go would hold back every request behind them (the next rating's commit would wait for the whole
   * fan-out, and its own update with it). One fan-out runs per variant, in rounds over the subscribers
   * as they are when the round starts (so one who joined meanwhile is in the next); each slice gets the
   * newest payload at that moment, sinks that already hold it are skipped, and a round in which a newer
   * payload came is followed by another. Every sink ends with the newest, none is starved, and none gets
   * the same payload twice.
   */
  private async fanOut(v: Variant): Promise<void> {
    if (v.fanning) return; // the running fan-out hands out the newest payload as it goes
    if (v.sinks.size <= FAN_OUT_SLICE) {
      for (const sink of v.sinks) deliver(sink, v.current!);
      return;
    }
    v.fanning = true;
    try {
      for (let round = 0; ; round++) {
        if (round > 0) await nextTurn();
        const first = v.current;
        const sinks = [...v.sinks];
        let i = 0;
        while (i < sinks.length) {
          if (i > 0) await nextTurn();
          const payload = v.current!;
          const started = performance.now();
          const end = Math.min(i + FAN_OUT_SLICE, sinks.length);
          for (; i < end; i++) {
            // A sink that unsubscribed meanwhile must not be written to (no `next` after `complete`).
            const sink = sinks[i]!;
            if (sink.delivered !== payload && v.sinks.has(sink)) deliver(sink, payload);
            if ((i + 1) % CLOCK_EVERY === 0 && performance.now() - started >= FAN_OUT_SLICE_MS) {
              i++;
              break;
            }
          }
        }
        if (v.current === first || v.sinks.size === 0) return;
      }
    } finally {
      v.fanning = false;
    }
  }

  private drop(t: Topic): void {
    if (t.closed) return;
    t.closed = true;
    if (t.timer) clearTimeout(t.timer);
    t.timer = null;
    if (t.staleTimer) clearTimeout(t.staleTimer);
    t.staleTimer = null;
    for (const v of t.variants.values()) {
      for (const sink of v.sinks) sink.close?.();
      v.sinks.clear(); // a fan-out still running writes to nobody now
    }
    t.variants.clear();
    if (this.topics.get(t.spec.key) === t) this.topics.delete(t.spec.key);
    this.retiredSeqs.delete(t.spec.key);
    this.retiredSeqs.set(t.spec.key, t.seq);
    if (this.retiredSeqs.size > RETIRED_SEQS_MAX) this.retiredSeqs.delete(this.retiredSeqs.keys().next().value!);
    for (const scope of t.spec.scopes) {
      const set = this.byScope.get(scope);
      set?.delete(t);
      if (set?.size === 0) this.byScope.delete(scope);
    }
  }
}

const nextTurn = () => new Promise<void>((done) => setImmediate(done));

function deliver(sink: LiveSink, payload: LivePayload): void {
  sink.delivered = payload;
  try {
    sink.deliver(payload);
  } catch (err) {
    log.warn('live subscriber failed to take a payload', { error: err instanceof Error ? err.message : String(err) });
  }
}
