// A Clock (src/core/clock.ts) a test sets: each service reads its time from it, so timestamps can be asserted exactly.
export function movableClock(start: string) {
  let time = new Date(start);
  return { now: () => new Date(time), set: (to: string) => { time = new Date(to); } };
}
