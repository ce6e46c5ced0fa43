// Bundles a browser app that imports 'kms-wasm' as a user's would: a project of its own (build/
// browser-app-<pid>/, with the package installed as a link to this checkout, so its `exports` map
// resolves), esbuild with its defaults (platform browser, nothing external). Used by the browser
// suite (test/browser) and by the bundle-size report (scripts/bundle-size.mjs).
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));

/**
 * `source`: the app's code (an ES module importing 'kms-wasm'). ESM output, so that the app may
 * re-export the package (the browser suite loads it as a module); `minify` for size reports.
 */
export async function bundleForBrowser(source, { minify = false } = {}) {
  // One project per process (test files run in parallel), one app file per call.
  const project = `${root}build/browser-app-${process.pid}/`;
  mkdirSync(`${project}node_modules`, { recursive: true });
  if (!existsSync(`${project}node_modules/kms-wasm`)) symlinkSync(root, `${project}node_modules/kms-wasm`, 'dir');
  writeFileSync(`${project}package.json`, JSON.stringify({ name: 'browser-app', private: true, type: 'module' }));
  // The app's own (empty) tsconfig, so esbuild does not take this checkout's `paths` for 'kms-wasm'.
  writeFileSync(`${project}tsconfig.json`, '{}');
  const app = `${project}app-${apps++}.js`;
  writeFileSync(app, source);
  try {
    const result = await build({ entryPoints: [app], absWorkingDir: project, bundle: true, write: false, format: 'esm', metafile: true, minify, logLevel: 'silent' });
    const output = Object.values(result.metafile.outputs)[0];
    return { code: result.outputFiles[0].text, inputs: Object.keys(result.metafile.inputs), imports: output.imports };
  } finally {
    rmSync(app, { force: true });
  }
}

let apps = 0;
