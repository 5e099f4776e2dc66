/** Paths and small helpers shared by the benchmark modules (no server code here). */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Kept seeds, locks and CPU profiles (gitignored). */
export const DATA = join(ROOT, 'bench', '.data');
/** Where `npm run bench` writes latest.json and latest.md unless --out says otherwise. */
export const DEFAULT_RESULTS_DIR = join(ROOT, 'bench', 'results');

/** Progress lines go to stderr, so stdout stays free. */
export const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** A path relative to the repository root when it lies inside it. */
export const shown = (file: string): string => (file.startsWith(`${ROOT}/`) ? file.slice(ROOT.length + 1) : file);
