// Large CSV bodies for the scan tests, and the facts a query over them must find, computed here
// as the lines are written (independently of the engine). Written byte by byte, yielding to the
// event loop every few MiB so a test building hundreds of MiB does not hold up the test runner.

const YIELD_EVERY = 4 << 20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const DOT = 0x2e;
const NEWLINE = 0x0a;
const USER = new TextEncoder().encode('user ');

/** id,"user n",amount lines (ids 0, 1, 2, … unique; 997 names; amounts with two decimals) up to `size` bytes. */
export async function csvOf(size: number) {
  const out = new Uint8Array(size);
  let at = 0;
  let rows = 0;
  let idSum = 0n;
  let cents = 0;
  let nextYield = YIELD_EVERY;
  const line = new Uint8Array(64);
  for (;;) {
    let n = 0;
    const digits = (value: number, width = 1) => {
      const text = String(value).padStart(width, '0');
      for (let i = 0; i < text.length; i++) line[n++] = text.charCodeAt(i);
    };
    digits(rows);
    line[n++] = COMMA;
    line[n++] = QUOTE;
    line.set(USER, n);
    n += USER.length;
    digits(rows % 997);
    line[n++] = QUOTE;
    line[n++] = COMMA;
    digits(rows % 1000);
    line[n++] = DOT;
    digits(rows % 100, 2);
    line[n++] = NEWLINE;
    if (at + n > size) break;
    out.set(line.subarray(0, n), at);
    at += n;
    idSum += BigInt(rows);
    cents += (rows % 1000) * 100 + (rows % 100);
    rows++;
    if (at >= nextYield) {
      nextYield += YIELD_EVERY;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return { body: out.subarray(0, at), rows, idSum, cents: BigInt(cents) };
}
