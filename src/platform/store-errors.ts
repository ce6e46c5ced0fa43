// Errors of the directory stores (FileKeyStore, ObjectStore({dir}), BlockStore({dir})): conditions of
// the store itself, not of a request, so they have no AWS exception name. Each names the directory or
// file it is about and never any secret.

/** Who holds a directory store's lock, as its lock file says. */
export interface LockHolder {
  pid: number;
  host: string;
  /** When the holder took the lock (ISO 8601). */
  startedAt: string;
}

/** Another opener (a process, or another store object in this one) holds the directory's write lock. */
export class StoreLockedError extends Error {
  override readonly name = 'StoreLockedError';

  constructor(readonly directory: string, readonly holder: LockHolder | undefined, detail: string) {
    super(`store ${directory} is locked by ${holder ? `pid ${holder.pid} on ${holder.host} since ${holder.startedAt}` : 'an unknown holder'}: ${detail}`);
  }
}

/**
 * A store file is damaged: it does not authenticate under the store's key (corrupted, edited, or
 * sealed under another key), or it is not in a form this version writes. The file is left untouched.
 */
export class StoreIntegrityError extends Error {
  override readonly name = 'StoreIntegrityError';

  constructor(readonly file: string, problem: string) {
    super(`${file} ${problem}; it has been left untouched`);
  }
}

/** The store was closed (its lock released): open a new one to go on. */
export class StoreClosedError extends Error {
  override readonly name = 'StoreClosedError';

  constructor(readonly directory: string) {
    super(`store ${directory} is closed`);
  }
}

/**
 * The root key given is not the one the store was created with (a PostgreSQL store keeps a check
 * value, an HMAC under a key derived from the root key, never the key itself). Nothing was read or written.
 */
export class RootKeyMismatchError extends Error {
  override readonly name = 'RootKeyMismatchError';

  constructor(readonly store: string) {
    super(`the root key given is not the one the key store ${store} was created with`);
  }
}
