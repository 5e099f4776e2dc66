/**
 * `npm run bench -- abuse`: responsiveness under abuse, measured (issue 10). One server on a fresh
 * SQLite database with its default limits; a victim client (a child process) asks `GET /healthz` and
 * `{ me { role } }` every 50 ms while, phase after phase, an abusive client (another child process,
 * one address) does nothing (idle), opens graphql-ws connections and subscriptions with distinct
 * arguments as fast as allowed (ws), sends alias and fragment bombs and 6 MB bodies (bombs), or floods
 * anonymous ratings (flood). Reported: the victim's latency and longest wait without any answer in each
 * phase, and what the abuser got back (close codes, HTTP statuses, error codes). Nothing is asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAbuse } from '../load/spawn.js';
import type { AbusePhase, AbuserReport, VictimReport } from '../load/protocol.js';
import { environment, finishEnvironment } from '../lib/machine.js';
import type { AbuseResult } from '../lib/results.js';
import { startBenchServer } from '../lib/server.js';
import { say, sleep } from '../lib/util.js';

const PHASES: AbusePhase[] = ['idle', 'ws', 'bombs', 'flood'];
const EVERY_MS = 50;

export async function benchAbuse(flags: { duration: number }): Promise<AbuseResult> {
  const env = environment();
  const dataDir = mkdtempSync(join(tmpdir(), 'hcp-bench-abuse-'));
  const server = await startBenchServer(join(dataDir, 'bench.sqlite'), dataDir);
  const phases: AbuseResult['phases'] = [];
  try {
    say(`abuse: server ${server.url}, ${flags.duration} s per phase, victim every ${EVERY_MS} ms (load average ${env.loadBefore.join(' / ')})`);
    for (const phase of PHASES) {
      const spec = { url: server.url, durationS: flags.duration, everyMs: EVERY_MS, phase };
      const [v, a] = await Promise.all([runAbuse({ ...spec, role: 'victim' }), runAbuse({ ...spec, role: 'abuser' })]);
      if ('error' in v) throw new Error(`victim (${phase}): ${v.error}`);
      if ('error' in a) throw new Error(`abuser (${phase}): ${a.error}`);
      const victim = (v as { victim: VictimReport }).victim;
      const abuser = (a as { abuser: AbuserReport }).abuser;
      phases.push({ phase, victim, abuser });
      say(
        `  ${phase.padEnd(5)} victim p50 ${victim.latency.p50} ms, p99 ${victim.latency.p99} ms, max ${victim.latency.max} ms, longest gap ${victim.longestGapMs} ms, ` +
          `${victim.answered}/${victim.sent} answered; abuser ${abuser.attempts} attempts: ${JSON.stringify(abuser.outcomes)}`,
      );
      // Let the closed sockets and the limiter's minute settle a little before the next phase.
      await sleep(2000);
    }
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { env: finishEnvironment(env), everyMs: EVERY_MS, durationS: flags.duration, phases };
}
