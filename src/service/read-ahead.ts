// A streamed response body one piece ahead: while the socket sends a piece, the next is already being
// read and decrypted (an S3 GET's pieces come from disk through the decryptor), instead of the two
// taking turns. Ending early (the client went away) ends the source and drops the piece fetched ahead.

export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  let done = false;
  try {
    for (;;) {
      const current = await next;
      if (current.done) {
        done = true;
        return;
      }
      next = iterator.next();
      // Marked handled: if the consumer stops before taking it, its failure has no one to reach.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    if (!done) await iterator.return?.();
  }
}
