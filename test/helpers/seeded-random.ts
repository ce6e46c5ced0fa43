// Reproducible test inputs: the sfc32 generator, seeded, so a failing case can be replayed by its
// seed. (Library code draws randomness only from crypto.getRandomValues; this is test data.)

export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(readonly seed: number) {
    this.a = seed >>> 0;
    this.b = Math.imul(seed, 0x9e3779b9) >>> 0;
    this.c = Math.imul(seed ^ 0x85ebca6b, 0xc2b2ae35) >>> 0;
    for (let i = 0; i < 16; i++) this.next32();
  }

  next32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A uniform integer in [0, bound), bound ≤ 2^32. */
  int(bound: number): number {
    return Math.floor((this.next32() / 2 ** 32) * bound);
  }

  /** A length from 0 to max, spread evenly over orders of magnitude so small and large both occur. */
  length(max: number): number {
    return Math.min(max, Math.floor(Math.exp((this.next32() / 2 ** 32) * Math.log(max + 1))) - 1 + this.int(2));
  }

  bytes(length: number): Uint8Array {
    const words = new Uint32Array(Math.ceil(length / 4));
    for (let i = 0; i < words.length; i++) words[i] = this.next32();
    return new Uint8Array(words.buffer, 0, length);
  }

  /** Cuts `length` into piece sizes (some empty, some tiny, some large) that add up to it. */
  splits(length: number): number[] {
    const pieces: number[] = [];
    let at = 0;
    while (at < length) {
      const step = Math.min(length - at, this.int(4) === 0 ? this.int(17) : this.length(length - at));
      pieces.push(step);
      at += step;
    }
    pieces.push(0);
    return pieces;
  }
}
