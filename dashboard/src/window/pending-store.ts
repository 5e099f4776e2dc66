import type { PendingAnswer } from './pending.js';

/** Where a device keeps its answers: IndexedDB on the device, or memory in tests and where storage is denied. */
export interface AnswerStore {
  /** False when answers live in memory only (storage denied): a reload would lose them. */
  readonly durable: boolean;
  all(): Promise<PendingAnswer[]>;
  put(answer: PendingAnswer): Promise<void>;
  delete(submissionIds: readonly string[]): Promise<void>;
}

/** Answers in memory, copied in and out as IndexedDB would (structured clone). */
export function memoryAnswerStore(initial: readonly PendingAnswer[] = []): AnswerStore {
  const rows = new Map(initial.map((a) => [a.submissionId, structuredClone(a)]));
  return {
    durable: false,
    all: async () => [...rows.values()].map((a) => structuredClone(a)),
    put: async (a) => {
      rows.set(a.submissionId, structuredClone(a));
    },
    delete: async (ids) => {
      for (const id of ids) rows.delete(id);
    },
  };
}

const DB_NAME = 'hcp-device';
const STORE = 'answers';

/** Resolves with a request's result; the promise wrapper over IndexedDB's events. */
function done<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Resolves when a write transaction is committed (with `strict` durability: flushed to disk, so a power cut keeps it). */
function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

function openDatabase(): Promise<IDBDatabase> {
  const req = indexedDB.open(DB_NAME, 1);
  req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'submissionId' });
  return done(req);
}

/**
 * The device's answers in IndexedDB (database `hcp-device`, store `answers`). Falls back to memory
 * when the browser denies storage (private mode), and says so through `durable`.
 */
export async function openAnswerStore(): Promise<AnswerStore> {
  let db: IDBDatabase;
  try {
    db = await openDatabase();
  } catch {
    return memoryAnswerStore();
  }
  const write = async (work: (store: IDBObjectStore) => void) => {
    const tx = db.transaction(STORE, 'readwrite', { durability: 'strict' });
    const finished = committed(tx);
    work(tx.objectStore(STORE));
    await finished;
  };
  return {
    durable: true,
    all: () => done(db.transaction(STORE, 'readonly').objectStore(STORE).getAll() as IDBRequest<PendingAnswer[]>),
    put: (a) => write((s) => s.put(a)),
    delete: (ids) => (ids.length ? write((s) => ids.forEach((id) => s.delete(id))) : Promise.resolve()),
  };
}
