// Lists what importing a module changes on globalThis, and what running the worker pool once then
// changes. Plain JavaScript, so the same file runs unchanged in a fresh Node process and in a page
// (the test runner would rewrite a dynamic import() in a TypeScript test before Playwright sends it).

/** Every own property of globalThis (symbols too), and the value of each `on…` event handler. */
function snapshot() {
  const descriptors = Object.getOwnPropertyDescriptors(globalThis);
  const keys = Reflect.ownKeys(descriptors);
  // In a browser, `onmessage` and the like are accessors whose getter stays the same when the
  // handler changes, so their values are read too.
  const handlers = new Map(keys.filter((k) => typeof k === 'string' && k.startsWith('on')).map((k) => [k, globalThis[k]]));
  return { descriptors, keys, handlers };
}

// Node defines some globals (TextEncoder, atob…) as getters that replace themselves with their
// value when first read: such a property still holds what it held.
function unchanged(was, now) {
  if (was.get && !now.get && !now.set) return was.get.call(globalThis) === now.value;
  return Object.is(was.value, now.value) && was.get === now.get && was.set === now.set;
}

function differences(before, after) {
  const changes = [];
  for (const key of before.keys) if (!(key in after.descriptors)) changes.push(`removed ${String(key)}`);
  for (const key of after.keys) {
    const was = before.descriptors[key];
    const now = after.descriptors[key];
    if (!was) changes.push(`added ${String(key)}`);
    else if (!unchanged(was, now)) changes.push(`redefined ${String(key)}`);
  }
  for (const [key, handler] of before.handlers) if (globalThis[key] !== handler) changes.push(`set ${key}`);
  return changes;
}

/** Imports `specifier` (the package's entry), then encrypts 1 MiB on its worker pool. */
export async function globalChanges(specifier) {
  const before = snapshot();
  const lib = await import(specifier);
  const onImport = differences(before, snapshot());
  const key = crypto.getRandomValues(new Uint8Array(32));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plaintext = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
  const sealed = await lib.parallelGcm(key, iv).encrypt(plaintext);
  const opened = await lib.parallelGcm(key, iv).decrypt(sealed);
  await lib.terminateWorkers();
  return { onImport, afterPool: differences(before, snapshot()), roundTrip: opened.length === plaintext.length && opened.every((b, i) => b === plaintext[i]) };
}
