// One run of some async work shared by everyone who asks for it while it is pending: a caller needs
// a run that began after it asked (a catch-up query begun earlier may have missed a change committed
// just before the call), so callers arriving while a run is under way wait for the next one, and
// all of them share it. N concurrent callers cost at most two runs, not N.

export class SharedRun {
  private running: Promise<void> | undefined;
  private waiting: Promise<void> | undefined;

  /** Resolves when a run of `work` that began after this call has finished (rejects with its error). */
  run(work: () => Promise<void>): Promise<void> {
    if (this.waiting) return this.waiting;
    if (!this.running) return this.start(work);
    this.waiting = this.running.catch(() => undefined).then(() => {
      this.waiting = undefined;
      return this.start(work);
    });
    return this.waiting;
  }

  private start(work: () => Promise<void>): Promise<void> {
    const run = work().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }
}
