/** A change that happened and was committed; subscribers decide what to recompute. */
export interface ChangeEvent {
  kind: 'rating' | 'invalidation' | 'rectification' | 'catalog';
  /** Scope keys touched ("T", "R:410100000000", "D:12", ...), so live topics can skip unrelated changes. */
  scopes: string[];
  at: number;
  /** The server that produced it; servers ignore their own events when they come back from Redis. */
  origin?: string;
  detail?: Record<string, unknown>;
}

type Handler = (event: ChangeEvent) => void;

/** In-process bus; a Redis bridge (REDIS_URL) forwards events between servers. */
export class ChangeBus {
  private readonly handlers = new Set<Handler>();

  publish(event: ChangeEvent): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch {
        // A failing subscriber must not stop the others; it logs its own errors.
      }
    }
  }

  subscribe(handler: Handler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }
}
