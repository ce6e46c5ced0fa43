// The layers of DESIGN.md ("each imports only the ones below it"), checked by `npm run check:layers`
// (part of `npm test`'s pretest): core, policy and platform at the ground (platform: the Node file
// helpers the directory stores share, imported by the layers that keep state on disk, never by
// envelope), then envelope, kms, s3 and ebs, then queries (over s3), then the service and the CLI.
// And no import cycle anywhere in src/.
const layer = (name, mayImport) => ({
  name: `${name}-imports-only-below`,
  comment: `src/${name} may import only ${mayImport.length ? mayImport.map((l) => `src/${l}`).join(', ') : 'itself'} (DESIGN.md layers)`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: { path: '^src/', pathNot: [`^src/${name}/`, ...mayImport.map((l) => `^src/${l}/`)] },
});

module.exports = {
  forbidden: [
    // Type-only imports count too: a cycle of types is still two modules that cannot be read apart.
    { name: 'no-circular', comment: 'an import cycle', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
    layer('core', []),
    layer('policy', []),
    layer('platform', []),
    layer('envelope', ['core', 'policy']),
    layer('kms', ['core', 'policy', 'platform', 'envelope']),
    layer('s3', ['core', 'policy', 'platform', 'envelope', 'kms']),
    layer('ebs', ['core', 'policy', 'platform', 'envelope', 'kms']),
    layer('query', ['core', 'policy', 'platform', 'envelope', 'kms', 's3']),
    layer('service', ['core', 'policy', 'platform', 'envelope', 'kms', 's3', 'ebs', 'query']),
    layer('cli', ['core', 'policy', 'platform', 'envelope', 'kms', 's3', 'ebs', 'query', 'service']),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // The .js specifiers of our ESM sources name .ts files.
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
