import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChangeEvent } from '../../../server/src/common/pubsub.js';
import { LatestValueIterator } from '../../../server/src/common/latest-value-iterator.js';
import { LiveHub, LivePayload, type LiveSink, type LiveSourceSpec } from '../../../server/src/stats/live-hub.js';
import { SocketSink, SocketWriter, wireFrame, type LiveSocket } from '../../../server/src/graphql/live-adapter.js';
import { createRequire } from 'node:module';

/** `ws`'s own framing (its Sender, which its type definitions do not declare). */
const { Sender } = createRequire(import.meta.url)('ws') as { Sender: { frame(data: Buffer, options: object): Buffer[] } };

const INTERVAL = 500;

/** A source whose figures the test changes by hand, counting its computations. */
function source(key = 'overviewChanged|H|T|*||', scopes = ['T']) {
  const state = { total: 0, computations: 0 };
  const spec: LiveSourceSpec = {
    key,
    scopes,
    compute: async () => {
      state.computations += 1;
      return { total: state.total };
    },
  };
  return { spec, state };
}

function probe(): LiveSink & { payloads: LivePayload[] } {
  const payloads: LivePayload[] = [];
  return { payloads, deliver: (p) => payloads.push(p) };
}

/** A socket whose buffer the test controls; completes writes only when told to. */
class FakeSocket implements LiveSocket {
  readyState = 1;
  bufferedAmount = 0;
  frames: string[] = [];
  private callbacks: Array<() => void> = [];
  send(data: Buffer, options: { binary: boolean }, cb?: () => void): void {
    expect(options.binary).toBe(false);
    this.frames.push(data.toString('utf8'));
    if (cb) this.callbacks.push(cb);
  }
  drain(): void {
    this.bufferedAmount = 0;
    const cbs = this.callbacks.splice(0);
    for (const cb of cbs) cb();
  }
  get payloads(): Array<{ id: string; type: string; payload: { total: number; seq: number } }> {
    return this.frames.map((f) => {
      const frame = JSON.parse(f);
      return { ...frame, payload: frame.payload.data.overviewChanged };
    });
  }
}

const change = (scopes: string[]): ChangeEvent => ({ kind: 'rating', scopes, at: Date.now(), origin: 'test' });
const raw = { key: 'raw', render: (snapshot: object) => ({ data: { overviewChanged: snapshot } }) };

/** Lets every pending microtask (and those they queue) run, without advancing any timer. */
async function settleMicrotasks(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

let hub: LiveHub;
let writers: Map<LiveSocket, SocketWriter>;

/** One bounded writer per socket (1 KiB), as the graphql-ws adapter keeps them. */
function writerFor(socket: LiveSocket): SocketWriter {
  let writer = writers.get(socket);
  if (!writer) writers.set(socket, (writer = new SocketWriter(socket, 1024, INTERVAL)));
  return writer;
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-11-21T02:00:00Z') });
  hub = new LiveHub({ intervalMs: INTERVAL });
  writers = new Map();
});

afterEach(() => {
  hub.close();
  vi.useRealTimers();
});

describe('LiveHub', () => {
  it('gives a new subscriber the current snapshot at once, with a sequence number', async () => {
    const { spec, state } = source();
    state.total = 7;
    const first = probe();
    hub.subscribe(spec, raw, first);
    await vi.advanceTimersByTimeAsync(0);
    expect(first.payloads).toHaveLength(1);
    const snapshot = first.payloads[0]!.snapshot as { total: number; seq: number; asOf: string };
    expect(snapshot).toMatchObject({ total: 7, seq: Date.now(), asOf: '2026-11-21T10:00:00+08:00' });
    const late = probe();
    hub.subscribe(spec, raw, late);
    expect(late.payloads).toEqual([first.payloads[0]]); // synchronously, no recomputation
    expect(state.computations).toBe(1);
  });

  it('coalesces a burst of changes into one computation and one message per interval', async () => {
    const { spec, state } = source();
    const sink = probe();
    hub.subscribe(spec, raw, sink);
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 100; i++) {
      state.total += 1;
      hub.onChange(change(['T', 'D:3']));
      await vi.advanceTimersByTimeAsync(3);
    }
    // 300 ms of changes: one update in the first interval, then at most one per interval.
    await vi.advanceTimersByTimeAsync(INTERVAL * 2);
    expect(state.computations).toBeLessThanOrEqual(3);
    expect(sink.payloads.length).toBeLessThanOrEqual(3);
    const last = sink.payloads.at(-1)!.snapshot as { total: number; seq: number };
    expect(last.total).toBe(100);
    const seqs = sink.payloads.map((p) => p.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
    const times = sink.payloads.map((p) => p.seq);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(INTERVAL);
  });

  it('recomputes a topic whose snapshot goes stale with time, with no change event, and stops once nothing is pending (R12 feed delay)', async () => {
    // A feed holding back an entry until `dueAt`: the snapshot changes by itself then.
    let dueAt: number | null = Date.now() + 30 * 60_000;
    let computations = 0;
    const spec: LiveSourceSpec = {
      key: 'ratingFeed|H|T|*|||public|20',
      scopes: ['T'],
      compute: async () => {
        computations += 1;
        const shown = dueAt !== null && Date.now() >= dueAt;
        if (shown) dueAt = null;
        return { entries: shown ? ['held back'] : [] };
      },
      staleIn: () => (dueAt === null ? null : dueAt - Date.now()),
    };
    const sink = probe();
    hub.subscribe(spec, raw, sink);
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.payloads.map((p) => p.snapshot)).toMatchObject([{ entries: [] }]);
    await vi.advanceTimersByTimeAsync(29 * 60_000);
    expect(computations).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sink.payloads.map((p) => p.snapshot)).toMatchObject([{ entries: [] }, { entries: ['held back'] }]);
    await vi.advanceTimersByTimeAsync(24 * 3_600_000);
    expect(computations).toBe(2);
  });

  it('answers a lone change on an idle topic at once, with no timer wait (R21 live figures)', async () => {
    const { spec, state } = source();
    const sink = probe();
    hub.subscribe(spec, raw, sink);
    await vi.advanceTimersByTimeAsync(INTERVAL); // the first snapshot, then nothing for an interval: idle
    state.total = 1;
    hub.onChange(change(['T']));
    // No timer is advanced from here on: only the microtasks of the current turn run.
    await settleMicrotasks();
    expect(sink.payloads.map((p) => (p.snapshot as { total: number }).total)).toEqual([0, 1]);
    expect(state.computations).toBe(2);
  });

  it('makes one computation, including them all, of the changes published in one turn (a group commit, a Redis read)', async () => {
    const { spec, state } = source();
    const sink = probe();
    hub.subscribe(spec, raw, sink);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    // Five ratings committed by one group: all stored before the first event is published.
    state.total = 5;
    for (let i = 0; i < 5; i++) hub.onChange(change(['T', `D:${i}`]));
    await settleMicrotasks();
    expect(sink.payloads.map((p) => (p.snapshot as { total: number }).total)).toEqual([0, 5]);
    // Nothing is left over for a second computation an interval later.
    await vi.advanceTimersByTimeAsync(INTERVAL * 3);
    expect(state.computations).toBe(2);
    expect(sink.payloads).toHaveLength(2);
  });

  it('gives the sockets of one subscription id one shared frame, and still frames each id apart', async () => {
    const { spec, state } = source();
    state.total = 4;
    const same = Array.from({ length: 20 }, () => new FakeSocket());
    const other = new FakeSocket();
    same.forEach((socket) => hub.subscribe(spec, raw, new SocketSink(writerFor(socket), '1')));
    hub.subscribe(spec, raw, new SocketSink(writerFor(other), '2'));
    await vi.advanceTimersByTimeAsync(0);
    expect(new Set(same.map((s) => s.frames[0])).size).toBe(1);
    expect(same[0]!.payloads[0]).toMatchObject({ id: '1', type: 'next', payload: { total: 4 } });
    expect(other.payloads[0]).toMatchObject({ id: '2', type: 'next', payload: { total: 4 } });
  });

  it('shares one computation, one execution and one serialised payload among identical subscribers', async () => {
    const { spec, state } = source();
    let renders = 0;
    const variant = {
      key: 'q1',
      render: (s: object) => {
        renders += 1;
        return { data: { overviewChanged: s } };
      },
    };
    // As many as one turn of a fan-out writes (larger variants are written in slices: see the tests below).
    const sinks = Array.from({ length: 250 }, () => probe());
    for (const s of sinks) hub.subscribe(spec, variant, s);
    await vi.advanceTimersByTimeAsync(0);
    state.total = 5;
    hub.onChange(change(['T']));
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(state.computations).toBe(2);
    expect(renders).toBe(2);
    const payload = sinks[0]!.payloads[1]!;
    for (const s of sinks) expect(s.payloads[1]).toBe(payload);
    expect(payload.json).toBe(payload.json); // memoised: the same string instance every time
    expect(hub.stats()).toMatchObject({ topics: 1, variants: 1, subscribers: 250 });
  });

  it('writes the same bytes to every socket, framed with each subscription id (graphql-ws "next")', async () => {
    const { spec, state } = source();
    state.total = 3;
    const sockets = Array.from({ length: 50 }, () => new FakeSocket());
    sockets.forEach((socket, i) => hub.subscribe(spec, raw, new SocketSink(writerFor(socket), `sub-${i}`)));
    await vi.advanceTimersByTimeAsync(0);
    for (const [i, socket] of sockets.entries()) {
      expect(socket.frames.map((f) => JSON.parse(f))).toEqual([
        { id: `sub-${i}`, type: 'next', payload: { data: { overviewChanged: expect.objectContaining({ total: 3 }) } } },
      ]);
    }
    const body = (frame: string) => frame.slice(frame.indexOf('"payload":'));
    expect(new Set(sockets.map((s) => body(s.frames[0]!))).size).toBe(1);
  });

  it('skips a slow socket and gives it only the newest snapshot when it drains, never a backlog', async () => {
    const { spec, state } = source();
    const fast = new FakeSocket();
    const slow = new FakeSocket();
    hub.subscribe(spec, raw, new SocketSink(writerFor(fast), 'f'));
    hub.subscribe(spec, raw, new SocketSink(writerFor(slow), 's'));
    await vi.advanceTimersByTimeAsync(0);
    slow.bufferedAmount = 10_000; // stalled client: over the 1 KiB threshold
    for (let i = 1; i <= 5; i++) {
      state.total = i;
      hub.onChange(change(['T']));
      await vi.advanceTimersByTimeAsync(INTERVAL);
      fast.drain();
    }
    expect(fast.payloads.map((p) => p.payload.total)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(slow.payloads.map((p) => p.payload.total)).toEqual([0]);
    expect(writerFor(slow).pendingCount).toBe(1);
    slow.drain(); // its first write completes: the newest pending frame goes out
    expect(slow.payloads.map((p) => p.payload.total)).toEqual([0, 5]);
    expect(writerFor(slow).pendingCount).toBe(0);
  });

  it('retries a socket that drained without our writes completing (another writer filled it)', async () => {
    const { spec, state } = source();
    const socket = new FakeSocket();
    socket.bufferedAmount = 5_000;
    hub.subscribe(spec, raw, new SocketSink(writerFor(socket), 'x'));
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.frames).toHaveLength(0);
    state.total = 1;
    socket.bufferedAmount = 0;
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(socket.payloads.map((p) => p.payload.total)).toEqual([0]);
  });

  it('recomputes only the topics whose scope a change touches', async () => {
    const total = source('t', ['T']);
    const dept = source('d3', ['D:3']);
    const staffRanking = source('staff', ['D:9', 'S:*']);
    for (const s of [total, dept, staffRanking]) hub.subscribe(s.spec, raw, probe());
    await vi.advanceTimersByTimeAsync(0);
    hub.onChange(change(['T', 'R:419901000000', 'D:5', 'I:2']));
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect([total.state.computations, dept.state.computations, staffRanking.state.computations]).toEqual([2, 1, 1]);
    hub.onChange(change(['T', 'D:3', 'S:12']));
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect([total.state.computations, dept.state.computations, staffRanking.state.computations]).toEqual([3, 2, 2]);
    hub.onChange({ kind: 'catalog', scopes: [], at: 0 }); // e.g. a resync after Redis came back
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect([total.state.computations, dept.state.computations, staffRanking.state.computations]).toEqual([4, 3, 3]);
  });

  it('sends nothing when a recomputation finds the same figures', async () => {
    const { spec, state } = source();
    const sink = probe();
    hub.subscribe(spec, raw, sink);
    await vi.advanceTimersByTimeAsync(0);
    hub.onChange(change(['T']));
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(state.computations).toBe(2);
    expect(sink.payloads).toHaveLength(1);
  });

  it('drops a topic when its last subscriber leaves', async () => {
    const { spec, state } = source();
    const off1 = hub.subscribe(spec, raw, probe());
    const off2 = hub.subscribe(spec, { key: 'other-selection', render: () => ({ data: null }) }, probe());
    await vi.advanceTimersByTimeAsync(0);
    expect(hub.stats()).toMatchObject({ topics: 1, variants: 2 });
    off1();
    off1();
    expect(hub.stats()).toMatchObject({ topics: 1, variants: 1 });
    off2();
    expect(hub.stats()).toMatchObject({ topics: 0, variants: 0, subscribers: 0 });
    hub.onChange(change(['T']));
    await vi.advanceTimersByTimeAsync(INTERVAL * 3);
    expect(state.computations).toBe(1);
  });

  it('keeps the sequence increasing when a dropped topic is recreated', async () => {
    const { spec } = source();
    const a = probe();
    const off = hub.subscribe(spec, raw, a);
    await vi.advanceTimersByTimeAsync(0);
    off();
    const b = probe();
    hub.subscribe(spec, raw, b);
    await vi.advanceTimersByTimeAsync(0);
    expect(b.payloads[0]!.seq).toBeGreaterThan(a.payloads[0]!.seq);
  });

  it('retries a failed computation at the next slot instead of dying', async () => {
    let fail = true;
    const sink = probe();
    hub.subscribe(
      {
        key: 'flaky',
        scopes: ['T'],
        compute: async () => {
          if (fail) throw new Error('database away');
          return { ok: 1 };
        },
      },
      raw,
      sink,
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.payloads).toHaveLength(0);
    fail = false;
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(sink.payloads).toHaveLength(1);
  });
});

describe('LiveHub fan-out to many subscribers (R21 live figures)', () => {
  // Real timers: the slices are separated by real turns of the event loop (setImmediate).
  let real: LiveHub;
  beforeEach(() => {
    vi.useRealTimers();
    real = new LiveHub({ intervalMs: 0 });
  });
  afterEach(() => real.close());
  const turn = () => new Promise<void>((done) => setImmediate(done));
  // Enough turns for two whole rounds over 5,000 sinks (a slice writes at most 256).
  const settle = async () => {
    for (let i = 0; i < 60; i++) await turn();
  };

  it('lets waiting requests run between slices of a large fan-out, and gives the ones it had not reached the newer payload', async () => {
    const { spec, state } = source();
    state.total = 1;
    const sinks = Array.from({ length: 2_000 }, () => probe());
    for (const s of sinks) real.subscribe(spec, raw, s);
    await settle();
    expect(sinks.every((s) => s.payloads.length === 1)).toBe(true);

    // A change starts a fan-out; a request already waiting (here: an immediate) runs before it ends.
    state.total = 2;
    real.onChange(change(['T']));
    // The computation and the first slice run in this turn's microtasks; the request waits on the event loop.
    let reachedWhenRequestRan = -1;
    setImmediate(() => {
      reachedWhenRequestRan = sinks.filter((s) => s.payloads.length === 2).length;
    });
    await settle();
    expect(reachedWhenRequestRan).toBeGreaterThan(0);
    expect(reachedWhenRequestRan).toBeLessThan(sinks.length);
    expect(sinks.every((s) => s.payloads.length === 2)).toBe(true);
    expect(sinks.every((s) => (s.payloads[1]!.snapshot as { total: number }).total === 2)).toBe(true);
  });

  it('never writes to a subscriber that left during a fan-out, and never sends an older payload after a newer one', async () => {
    const { spec, state } = source();
    state.total = 1;
    const sinks = Array.from({ length: 2_500 }, () => probe());
    const leave = sinks.map((s) => real.subscribe(spec, raw, s));
    await settle();
    state.total = 2;
    real.onChange(change(['T']));
    await Promise.resolve();
    for (let i = 0; i < 10 && sinks[0]!.payloads.length < 2; i++) await Promise.resolve();
    expect(sinks[0]!.payloads).toHaveLength(2);
    expect(sinks[sinks.length - 1]!.payloads).toHaveLength(1);
    // Mid fan-out: the last subscriber leaves, and a newer payload is computed.
    leave[sinks.length - 1]!();
    state.total = 3;
    real.onChange(change(['T']));
    await settle();
    expect(sinks[sinks.length - 1]!.payloads).toHaveLength(1);
    for (const s of sinks.slice(0, -1)) {
      const totals = s.payloads.map((p) => (p.snapshot as { total: number }).total);
      expect(totals.at(-1)).toBe(3);
      expect([...totals].sort()).toEqual(totals);
    }
  });
  it('starves no subscriber when payloads come faster than a fan-out ends: each slice gets the newest', async () => {
    const { spec, state } = source();
    state.total = 0;
    const sinks = Array.from({ length: 5_000 }, () => probe());
    for (const s of sinks) real.subscribe(spec, raw, s);
    await settle();
    // A new payload every turn of the event loop (one slice's time), 100 times (five rounds' time): the last sinks get some.
    let reachedLast = 0;
    for (let total = 1; total <= 100; total++) {
      state.total = total;
      real.onChange(change(['T']));
      await turn();
      reachedLast = Math.max(reachedLast, sinks.at(-1)!.payloads.length);
    }
    expect(reachedLast).toBeGreaterThan(2);
    state.total = 101;
    real.onChange(change(['T']));
    await settle();
    for (const s of sinks) expect((s.payloads.at(-1)!.snapshot as { total: number }).total).toBe(101);
    // Never a backlog: a sink gets at most one payload per round, far fewer than the 101 made.
    expect(sinks.at(-1)!.payloads.length).toBeLessThan(20);
  });
  it('keeps a subscriber who joins during a long fan-out up to date, without sending anyone the same payload twice', async () => {
    const { spec, state } = source();
    state.total = 0;
    const sinks = Array.from({ length: 5_000 }, () => probe());
    for (const s of sinks) real.subscribe(spec, raw, s);
    await settle();
    const late: Array<ReturnType<typeof probe>> = [];
    for (let total = 1; total <= 20; total++) {
      state.total = total;
      real.onChange(change(['T']));
      await turn();
      const joined = probe();
      real.subscribe(spec, raw, joined);
      late.push(joined);
    }
    await settle();
    for (const s of [...sinks, ...late]) {
      expect((s.payloads.at(-1)!.snapshot as { total: number }).total).toBe(20);
      expect(new Set(s.payloads).size).toBe(s.payloads.length);
    }
  });
});

describe('wireFrame', () => {
  it('is byte for byte the text frame `ws` sends from a server, at every length encoding', () => {
    for (const length of [0, 5, 125, 126, 1_300, 65_535, 65_536, 200_000]) {
      const text = Buffer.alloc(length, 'x');
      const expected = Buffer.concat(Sender.frame(text, { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }));
      expect(wireFrame([text.subarray(0, length >> 1), text.subarray(length >> 1)]).equals(expected)).toBe(true);
    }
  });
});

describe('LatestValueIterator', () => {
  it('holds only the newest value for a consumer that falls behind', async () => {
    const it = new LatestValueIterator<number>();
    it.push(1);
    it.push(2);
    it.push(3);
    expect(await it.next()).toEqual({ value: 3, done: false });
    const pending = it.next();
    it.push(4);
    expect(await pending).toEqual({ value: 4, done: false });
  });

  it('runs its cleanup once on return, and ends a waiting consumer', async () => {
    const it = new LatestValueIterator<number>();
    let cleaned = 0;
    it.onReturn(() => {
      cleaned += 1;
    });
    const waiting = it.next();
    await it.return();
    await it.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(cleaned).toBe(1);
    it.push(5);
    expect((await it.next()).done).toBe(true);
  });
});
