// Runs async work one piece after another, in call order: each starts once the one before it has
// settled, whether it succeeded or failed (a failure is its caller's, not the next one's).

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const done = this.tail.then(work, work);
    this.tail = done.catch(() => undefined);
    return done;
  }
}
