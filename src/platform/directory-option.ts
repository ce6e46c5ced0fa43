// The `dir` option of kms-wasm/node's ObjectStore, BlockStore and QueryService: the portable classes
// (the default entry) refuse `dir`, so browser bundles carry no directory code; the Node classes turn
// a checked `dir` into the `store` option here, over their directory store.

/** What each service throws for a bad option: its own InvalidArgument-like error, naming the field. */
export type RefuseOption = (field: string, expected: string) => Error;

/**
 * The options with `dir` replaced by `store: open(dir, waitForLock)`. Without `dir`, or with both
 * `dir` and `store`, they go on unchanged (the service refuses both). A `dir` that is not a
 * non-empty string is refused before anything is opened.
 */
export function directoryAsStore<O extends { dir?: string; store?: unknown; waitForLock?: number }>(
  options: O, open: (dir: string, waitForLock: number | undefined) => NonNullable<O['store']>, refuse: RefuseOption): O {
  if (options?.dir === undefined || options.store) return options;
  const dir: unknown = options.dir;
  if (typeof dir !== 'string' || dir === '') {
    throw refuse('dir', `expected a directory path (a non-empty string), got ${dir === '' ? 'an empty string' : dir === null ? 'null' : typeof dir}`);
  }
  return { ...options, dir: undefined, store: open(dir, options.waitForLock) };
}
