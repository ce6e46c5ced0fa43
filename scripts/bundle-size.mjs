// The size of kms-wasm in a browser app, as esbuild bundles it with its defaults (minified): all of
// the package, and an app that uses only `gcm` (what tree shaking leaves). Raw and gzip bytes.
//   npm run build && node scripts/bundle-size.mjs [--json]
import { gzipSync } from 'node:zlib';
import { bundleForBrowser } from './browser-bundle.mjs';

const APPS = {
  'everything (import * from kms-wasm)': "export * from 'kms-wasm';\n",
  'gcm only': "import { gcm, ready } from 'kms-wasm';\nawait ready();\nexport const seal = (key, iv, data) => gcm(key, iv).encrypt(data);\n",
};

const sizes = [];
for (const [app, source] of Object.entries(APPS)) {
  const { code } = await bundleForBrowser(source, { minify: true });
  const bytes = new TextEncoder().encode(code);
  sizes.push({ app, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
}
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(sizes));
} else {
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log('| app | minified | gzip -9 |\n| --- | --- | --- |');
  for (const { app, raw, gzip } of sizes) console.log(`| ${app} | ${kib(raw)} | ${kib(gzip)} |`);
}
