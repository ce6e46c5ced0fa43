/** Where a service reads the time (KMS rotation and deletion dates, policies' aws:CurrentTime, cache ages), so tests can move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export const DAY_MS = 24 * 60 * 60 * 1000;
export const addDays = (date: Date, days: number) => new Date(date.getTime() + days * DAY_MS);

let lastIso = { ms: Number.NaN, text: '' };

/**
 * `date.toISOString()`, remembered for the last instant converted: a busy service stamps many
 * records within one millisecond, and the conversion costs more than building the rest of a record.
 */
export function isoTime(date: Date): string {
  const ms = date.getTime();
  if (ms !== lastIso.ms) lastIso = { ms, text: date.toISOString() };
  return lastIso.text;
}
