// Crash consistency of the directory stores (FileKeyStore, ObjectStore({ dir }), BlockStore({ dir })),
// proven by killing a process that works on them (crash-rounds.ts). The default suite runs a short,
// seeded run whose kills come at chosen file-system writes, so it replays exactly; the long run
// (KMS_WASM_SOAK=1: 200 rounds, half of them killed at a random moment; KMS_WASM_CRASH_ROUNDS and
// KMS_WASM_CRASH_SEED to change it) prints its seed and its counts.

import { describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { runCrashRounds, type CrashRunReport } from './crash-rounds.js';

const tempDir = temporaryDirectories('kms-wasm-crash-');
const soak = process.env.KMS_WASM_SOAK === '1';

/** The findings of a run, by kind, each with its round. */
const byKind = (report: CrashRunReport, kinds: string[]) => report.findings.filter((f) => kinds.includes(f.kind)).map((f) => `round ${f.round}: ${f.detail}`);

function expectConsistent(report: CrashRunReport) {
  expect(byKind(report, ['unopenable'])).toEqual([]);
  expect(byKind(report, ['lost'])).toEqual([]);
  expect(byKind(report, ['audit-invalid'])).toEqual([]);
  expect(byKind(report, ['residue'])).toEqual([]);
  expect(byKind(report, ['attachment-grant'])).toEqual([]);
}

describe('crash consistency of the directory stores', () => {
  it('a process killed at seeded writes loses nothing it acknowledged, leaves no residue, and every change has its audit record', async () => {
    const report = await runCrashRounds({ dir: tempDir(), seed: 5, rounds: 12, mode: 'write', log: console.log });
    expect(report.killedAtWrite + report.killedIdle).toBe(12);
    expect(report.acknowledged).toBeGreaterThan(0);
    expectConsistent(report);
    expect(byKind(report, ['unaudited'])).toEqual([]);
  });

  it.runIf(soak)('long run: killed at random writes and moments, round after round on one directory', async () => {
    const seed = Number(process.env.KMS_WASM_CRASH_SEED ?? crypto.getRandomValues(new Uint32Array(1))[0]);
    const rounds = Number(process.env.KMS_WASM_CRASH_ROUNDS ?? 200);
    const report = await runCrashRounds({ dir: tempDir(), seed, rounds, mode: 'mixed', log: console.log });
    expectConsistent(report);
    expect(byKind(report, ['unaudited'])).toEqual([]);
  }, 3 * 60 * 60_000);
});
