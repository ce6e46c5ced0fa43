// The crash harness: round after round on one directory (or one PostgreSQL database, bodies and
// sectors in the directory), a child process (crash-child.mjs) runs a mixed KMS, S3 and EBS workload
// and is killed with SIGKILL — either just before its n-th
// file-system write (`write`: the crash point is set by the seed, so a run replays) or after a
// delay (`timer`: anywhere, inside a system call included) — and the stores are reopened here and
// held to what the child acknowledged (crash-checks.ts): after every round its own results and all
// that is cheap to check, every FULL_CHECK_EVERY rounds and after the last one everything. The run's
// seed decides every round.

import { fileURLToPath } from 'node:url';
import { startChild } from '../helpers/child-processes.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { AuditTally, checkStores, holderSessionsGone, type Finding, type PostgresStores } from './crash-checks.js';
import { Ledger, type Ack } from './crash-ledger.js';

const CHILD = fileURLToPath(new URL('./crash-child.mjs', import.meta.url));

/** Every this many rounds, and after the last, every acknowledged item is checked again and the whole audit trail verified. */
const FULL_CHECK_EVERY = 25;

export type KillMode = 'write' | 'timer' | 'mixed';

export interface CrashRunOptions {
  dir: string;
  seed: number;
  rounds: number;
  mode: KillMode;
  /** The PostgreSQL stores instead of the directory stores. */
  postgres?: PostgresStores;
  log?: (line: string) => void;
}

export interface CrashRunReport {
  seed: number;
  rounds: number;
  /** Children killed mid-workload: at a chosen write, or by the timer. */
  killedAtWrite: number;
  killedByTimer: number;
  /** Children that got through their whole plan before their write came, killed idle. */
  killedIdle: number;
  /** Results the children acknowledged. */
  acknowledged: number;
  /** Items checked after each kill, summed over the rounds. */
  checked: number;
  /** Each finding once, in the round it first appeared (one that persists is not repeated). */
  findings: Array<Finding & { round: number }>;
}

export async function runCrashRounds({ dir, seed, rounds, mode, postgres, log = () => undefined }: CrashRunOptions): Promise<CrashRunReport> {
  const ledger = new Ledger();
  const seeds = new SeededRandom(seed);
  const report: CrashRunReport = { seed, rounds: 0, killedAtWrite: 0, killedByTimer: 0, killedIdle: 0, acknowledged: 0, checked: 0, findings: [] };
  const seen = new Set<string>();
  const tally = new AuditTally();
  log(`crash harness: seed ${seed}, ${rounds} rounds, kills ${mode}`);
  for (let round = 1; round <= rounds; round++) {
    const random = new SeededRandom(seeds.next32());
    const atWrite = mode === 'write' || (mode === 'mixed' && random.int(2) === 0);
    const killAtWrite = atWrite ? 1 + random.length(600) : undefined;
    const delayMs = 100 + random.int(1500); // from "started": most rounds are cut short in their work, some end idle
    const config = { dir, killAtWrite, world: ledger.world(), plan: ledger.plan(random, round), postgres };
    const child = startChild(`const { run } = await import(${JSON.stringify(CHILD)});\nawait run(k, ${JSON.stringify(config)});`);
    // The timer runs from the child's "started" (its imports done, before its first call), not from
    // the spawn: on a loaded machine the imports alone can outlast every delay, and no round would work.
    let timer: ReturnType<typeof setTimeout> | undefined;
    let idle = false;
    for (;;) {
      const line = await child.nextLine().catch(() => undefined);
      if (line === undefined) break;
      if (!atWrite && timer === undefined && line.includes('"t":"started"')) timer = setTimeout(() => child.process.kill('SIGKILL'), delayMs);
      if (line.includes('"t":"finished"')) {
        idle = true;
        child.process.kill('SIGKILL');
      }
    }
    clearTimeout(timer);
    const { code, signal, stdout, stderr } = await child.exit;
    const lastCall = /"t":"calling","op":"(\w+)"/g;
    const killedAt = /"t":"killed","at":"([^"]*)"/.exec(stdout)?.[1];
    const cutShort = `${[...stdout.matchAll(lastCall)].at(-1)?.[1] ?? 'opening the stores'}${killedAt ? `, before ${killedAt}` : ''}`;
    const found = (finding: Finding) => {
      if (seen.has(`${finding.kind} ${finding.detail}`)) return;
      seen.add(`${finding.kind} ${finding.detail}`);
      report.findings.push({ ...finding, round });
      log(`  round ${round} (seed ${seed}, ${killAtWrite ? `killed at write ${killAtWrite}` : `killed after ${delayMs} ms`} in ${cutShort}): ${finding.kind}: ${finding.detail}`);
    };
    if (signal !== 'SIGKILL') found({ kind: 'unopenable', detail: `the child failed (exit ${code}): ${stderr.trim().split('\n').slice(0, 8).join(' | ')}` });
    else if (idle) report.killedIdle++;
    else if (atWrite) report.killedAtWrite++;
    else report.killedByTimer++;
    const before = ledger.acknowledged;
    for (const line of stdout.split('\n')) {
      if (line.startsWith('{') && line.endsWith('}')) ledger.record(JSON.parse(line) as Ack, round);
    }
    report.acknowledged += ledger.acknowledged - before;
    if (postgres) await holderSessionsGone(postgres); // the dead child's attachments are orphaned once PostgreSQL has noticed its sessions end
    const { findings, checked } = await checkStores(dir, ledger, tally, { round, full: round % FULL_CHECK_EVERY === 0 || round === rounds, postgres });
    findings.forEach(found);
    report.checked += checked;
    report.rounds++;
    if (round % 10 === 0) log(`  ${round} rounds: ${report.acknowledged} acknowledged, ${report.checked} item checks, ${report.findings.length} findings`);
  }
  log(`crash harness: ${report.rounds} rounds, ${report.killedAtWrite} killed at a write, ${report.killedByTimer} by the timer, `
    + `${report.killedIdle} idle; ${report.acknowledged} results acknowledged, ${report.checked} item checks; ${report.findings.length} findings`);
  return report;
}
