// Node child processes running a snippet against the built package (dist/, so `npm run build` first):
// real second processes for the directory stores' locks, races and crashes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

export interface Child {
  process: ChildProcess;
  /** The next line the child prints. */
  nextLine(): Promise<string>;
  /** Everything it printed, once it exits. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts `node` (with `nodeArgs`) on an ES module whose body is `body`, with the package imported as `k`. */
export function startChild(body: string, nodeArgs: string[] = []): Child {
  const child = spawn(process.execPath, [...nodeArgs, '--input-type=module', '-e', `import * as k from ${JSON.stringify(DIST)};\n${body}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiting: Array<(line: string) => void> = [];
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdout += `${line}\n`;
    const next = waiting.shift();
    if (next) next(line);
    else lines.push(line);
  });
  child.stderr!.on('data', (chunk) => { stderr += chunk; });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  const nextLine = () => {
    const ready = lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return Promise.race([
      new Promise<string>((resolve) => waiting.push(resolve)),
      exit.then(({ code, signal }) => { throw new Error(`child exited (${code ?? signal}) before printing a line: ${stderr}`); }),
    ]);
  };
  return { process: child, nextLine, exit };
}

/** Runs a snippet to its end and returns what it printed; a child that fails fails the test. */
export async function runChild(body: string, nodeArgs: string[] = []): Promise<string> {
  const { code, stdout, stderr } = await startChild(body, nodeArgs).exit;
  if (code !== 0) throw new Error(`child exited with ${code}: ${stderr}`);
  return stdout;
}
