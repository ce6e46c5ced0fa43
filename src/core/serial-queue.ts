// Runs async work one piece after another, in call order: each starts once the one before it has
// settled, whether it succeeded or failed (a failure is its caller's, not the next one's).

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** Pieces of work given to `run` that have yet to settle. */
  private pending = 0;

  /** Whether no work is running or waiting: what starts now would be next in order anyway. */
  get idle(): boolean {
    return this.pending === 0;
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    this.pending++;
    const settled = () => {
      this.pending--;
    };
    const done = this.tail.then(work, work);
    this.tail = done.then(settled, settled);
    return done;
  }
}
