// The published declarations type-check in consumer projects as users have them (issue 14, item 5):
// TypeScript 5.4 (the oldest supported) and the repository's own, `strict`, `skipLibCheck: false`.
// The default entry needs neither the DOM lib nor @types/node (lib ES2022 only), and still checks
// where both are present (its Web types merge into theirs); kms-wasm/node checks with @types/node.
// The consumers (test/package/consumer/) use the named request/response types and enum unions, and
// `@ts-expect-error` lines prove that enum typos fail to compile. The package is installed from its
// files as `npm pack` ships them (package.json and dist/types), so its `exports` map is what resolves.
// Installing TypeScript 5.4.5 and @types/node needs npm's cache or the registry (--prefer-offline).
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const project = `${root}build/consumer-types/`;
const OLDEST_TYPESCRIPT = '5.4.5';
// Asynchronous, so the test worker stays responsive to vitest while tsc runs (a worker blocked for a
// minute fails the run with "Timeout calling onTaskUpdate", vitest-dev/vitest#8164).
const run = promisify(execFile);

async function typeCheck(tsc: string, options: { lib: string[]; types: string[]; moduleResolution: string; files: string[] }): Promise<string> {
  const config = `tsconfig.${options.lib.join('-')}.${options.types.join('-') || 'none'}.${options.moduleResolution}.json`;
  writeFileSync(project + config, JSON.stringify({
    compilerOptions: {
      target: 'ES2022', lib: options.lib, module: options.moduleResolution === 'Bundler' ? 'ESNext' : 'NodeNext',
      moduleResolution: options.moduleResolution, strict: true, skipLibCheck: false, types: options.types, noEmit: true,
    },
    files: options.files,
  }));
  try {
    await run(process.execPath, [tsc, '-p', config], { cwd: project, encoding: 'utf8' });
    return 'ok';
  } catch (error) {
    return (error as { stdout: string }).stdout;
  }
}

describe('the declarations in a consumer project', () => {
  const oldest = `${project}node_modules/typescript/bin/tsc`;
  const current = `${root}node_modules/typescript/bin/tsc`;

  beforeAll(async () => {
    rmSync(project, { recursive: true, force: true });
    mkdirSync(`${project}node_modules/kms-wasm/dist`, { recursive: true });
    writeFileSync(`${project}package.json`, JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', `typescript@${OLDEST_TYPESCRIPT}`, '@types/node@20.19.43'],
      { cwd: project });
    cpSync(`${root}package.json`, `${project}node_modules/kms-wasm/package.json`);
    cpSync(`${root}dist/types`, `${project}node_modules/kms-wasm/dist/types`, { recursive: true });
    cpSync(`${root}test/package/consumer`, project, { recursive: true });
  }, 120_000);

  it(`default entry, TypeScript ${OLDEST_TYPESCRIPT}, lib ES2022 only: no DOM, no @types/node`, async () => {
    expect(await typeCheck(oldest, { lib: ['ES2022'], types: [], moduleResolution: 'NodeNext', files: ['app.ts'] })).toBe('ok');
    expect(await typeCheck(oldest, { lib: ['ES2022'], types: [], moduleResolution: 'Bundler', files: ['app.ts'] })).toBe('ok');
  });

  it('default entry, the current TypeScript, with the DOM lib and with @types/node', async () => {
    expect(await typeCheck(current, { lib: ['ES2022'], types: [], moduleResolution: 'NodeNext', files: ['app.ts'] })).toBe('ok');
    expect(await typeCheck(current, { lib: ['ES2022', 'DOM'], types: [], moduleResolution: 'Bundler', files: ['app.ts'] })).toBe('ok');
    expect(await typeCheck(oldest, { lib: ['ES2022', 'DOM'], types: ['node'], moduleResolution: 'NodeNext', files: ['app.ts'] })).toBe('ok');
  });

  it('kms-wasm/node with @types/node, in both TypeScript versions', async () => {
    expect(await typeCheck(oldest, { lib: ['ES2022'], types: ['node'], moduleResolution: 'NodeNext', files: ['node-app.ts'] })).toBe('ok');
    expect(await typeCheck(current, { lib: ['ES2022'], types: ['node'], moduleResolution: 'NodeNext', files: ['node-app.ts'] })).toBe('ok');
  });

  it('a typo in an enum value, or a wrong field type, fails to compile (the check can fail)', async () => {
    writeFileSync(`${project}typo.ts`, "import type { CreateKeyRequest } from 'kms-wasm';\nexport const r: CreateKeyRequest = { KeyUsage: 'ENCRYPT_DECRYPTT' };\n");
    expect(await typeCheck(oldest, { lib: ['ES2022'], types: [], moduleResolution: 'NodeNext', files: ['typo.ts'] })).toMatch(/typo\.ts.*error TS2322/);
  });
});
