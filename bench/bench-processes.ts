// Child processes for the `stores` section's measurements across processes (stores.ts, object-stores.ts):
// each runs a workload on the built package (dist/, which `npm run bench` builds first) and prints one number.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built package's entry, imported by the workloads (from bench/ and from build/ alike). */
export const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** Runs `body` (an ES module's source) in a new Node process; resolves to the number it printed. */
export function runWorker(body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', body], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.on('close', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`bench worker exited with ${code}`))));
  });
}
