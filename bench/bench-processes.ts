// Child processes for the `stores` section's measurements across processes (stores.ts, object-stores.ts):
// each runs a workload on the built package (dist/, which `npm run bench` builds first). The clock
// starts in all of them at once, once every one is open and warm, whatever the machine's load: a
// workload prints READY, waits for a line on its stdin (GO_SIGNAL), then measures and prints one number.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The built package's entry, imported by the workloads (from bench/ and from build/ alike). */
export const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** What a workload runs, once warm, before it starts measuring. */
export const GO_SIGNAL = `console.log('READY');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.destroy();`;

/** Runs each body (an ES module's source, with GO_SIGNAL in it) in a process of its own; resolves to the numbers they printed last. */
export async function runWorkers(bodies: string[]): Promise<number[]> {
  const children = bodies.map((body) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', body], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let onReady!: () => void;
    const ready = new Promise<void>((resolve) => { onReady = resolve; });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'READY') onReady();
      else lines.push(line);
    });
    const done = new Promise<number>((resolve, reject) => child.on('close', (code) => {
      onReady(); // a child that failed before it was ready must not hold the others
      if (code === 0) resolve(Number(lines.at(-1)));
      else reject(new Error(`bench worker exited with ${code}`));
    }));
    return { child, ready, done };
  });
  await Promise.all(children.map(({ ready }) => ready));
  for (const { child } of children) child.stdin.end('GO\n');
  return Promise.all(children.map(({ done }) => done));
}
