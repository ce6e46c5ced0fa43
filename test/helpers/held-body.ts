// A PUT body that stops halfway until released: for races against a call made while a body streams in.
export function heldBody(): { body: AsyncIterable<Uint8Array>; release: () => void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  const body = (async function* () {
    yield new TextEncoder().encode('first half, ');
    await released;
    yield new TextEncoder().encode('second half');
  })();
  return { body, release };
}
