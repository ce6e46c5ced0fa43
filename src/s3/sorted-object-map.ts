// A bucket's objects: each key's versions, with the keys also kept in the order S3 lists them
// (UTF-8 byte order), so a listing page costs a binary search and a walk, not a sort of every key.
// Inserting or removing a key moves array slots (a memmove, microseconds at 100,000 keys), no
// re-sort; the map's own get/set/delete stay O(1).

/**
 * Compares two strings by their UTF-8 bytes without encoding them. UTF-16 order differs from code
 * point (= UTF-8) order only where a surrogate (U+D800–DFFF, half of a code point above U+FFFF) meets
 * a unit from U+E000–FFFF: moving surrogates above that block gives code point order.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

const rank = (unit: number) => (unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit);

export class SortedObjectMap<V> extends Map<string, V> {
  private readonly order: string[] = [];

  override set(key: string, value: V): this {
    if (!this.has(key)) this.order.splice(this.firstAtOrAfter(key), 0, key);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    if (!super.delete(key)) return false;
    this.order.splice(this.firstAtOrAfter(key), 1);
    return true;
  }

  override clear(): void {
    super.clear();
    this.order.length = 0;
  }

  /** Keys starting with `prefix`, in UTF-8 order, after `after` if given. */
  *keysInOrder(prefix = '', after?: string): Generator<string> {
    let at = this.firstAtOrAfter(after !== undefined && compareUtf8(after, prefix) > 0 ? after : prefix);
    if (after !== undefined && this.order[at] === after) at++;
    for (; at < this.order.length && this.order[at]!.startsWith(prefix); at++) yield this.order[at]!;
  }

  /** The index of the first key not below `key`. */
  private firstAtOrAfter(key: string): number {
    let low = 0;
    let high = this.order.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareUtf8(this.order[mid]!, key) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
