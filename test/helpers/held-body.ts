// A PUT body that stops halfway until released: for races against a call made while a body streams in.
// `reading` resolves once the store has asked for the first chunk, i.e. the call has passed its
// checks and is streaming: a race started before then may be lost by the call itself (under load its
// first catch-up can already see the other call's change), which tests a different thing, and
// leaves its rejection unhandled while the test awaits the other call.
export function heldBody(): { body: AsyncIterable<Uint8Array>; reading: Promise<void>; release: () => void } {
  let release!: () => void;
  let started!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  const reading = new Promise<void>((resolve) => { started = resolve; });
  const body = (async function* () {
    started();
    yield new TextEncoder().encode('first half, ');
    await released;
    yield new TextEncoder().encode('second half');
  })();
  return { body, reading, release };
}
