/** Where a held snapshot came from: its sequence number and the connection that delivered it. */
export interface SnapshotMark {
  seq: number;
  generation: number;
}

/**
 * Whether an incoming whole snapshot replaces the held one. On one connection sequence numbers only
 * grow, so an equal or older one is a repeat and is dropped (never applied twice). After a reconnect
 * the first snapshot is the server's current truth and replaces what is held, unless it is the very
 * snapshot already shown (same seq).
 */
export function shouldApplySnapshot(held: SnapshotMark | null, incoming: SnapshotMark): boolean {
  if (!Number.isFinite(incoming.seq)) return false;
  if (!held) return true;
  if (incoming.generation !== held.generation) return incoming.seq !== held.seq;
  return incoming.seq > held.seq;
}

export type LiveState = 'idle' | 'loading' | 'live' | 'error';
