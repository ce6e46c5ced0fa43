import { s3Error } from './s3-errors.js';

/**
 * Part `partNumber`'s bytes [start, end) of an object whose parts have `partSizes` (a single part,
 * the whole object, for one not uploaded in parts): InvalidPartNumber beyond the last part (S3 API
 * Reference, GetObject: partNumber "Effectively performs a 'ranged' GET request for the part specified").
 */
export function partRange(partSizes: readonly number[], partNumber: number): [number, number] {
  if (partNumber > partSizes.length) {
    throw s3Error('InvalidPartNumber', `The requested partnumber is not satisfiable: ${partNumber}, of an object of ${partSizes.length} part(s)`);
  }
  const start = partSizes.slice(0, partNumber - 1).reduce((sum, size) => sum + size, 0);
  return [start, start + partSizes[partNumber - 1]!];
}

/** An HTTP Range "bytes=a-b", "bytes=a-" or "bytes=-n" → [start, end) within an object of `size` bytes. */
export function parseRange(range: string, size: number): [number, number] {
  const match = /^bytes=(\d*)-(\d*)$/.exec(range);
  if (!match || (match[1] === '' && match[2] === '')) throw s3Error('InvalidArgument', `Range: expected bytes=start-end, got ${range}`);
  const [start, end] = match[1] === '' ? [Math.max(0, size - Number(match[2])), size] : [Number(match[1]), match[2] === '' ? size : Math.min(size, Number(match[2]) + 1)];
  if (start >= size || start >= end) throw s3Error('InvalidRange', `Range ${range} is outside the ${size}-byte object`);
  return [start, end];
}
