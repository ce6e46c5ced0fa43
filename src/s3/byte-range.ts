import { s3Error } from './s3-errors.js';

/** An HTTP Range "bytes=a-b", "bytes=a-" or "bytes=-n" → [start, end) within an object of `size` bytes. */
export function parseRange(range: string, size: number): [number, number] {
  const match = /^bytes=(\d*)-(\d*)$/.exec(range);
  if (!match || (match[1] === '' && match[2] === '')) throw s3Error('InvalidArgument', `Range: expected bytes=start-end, got ${range}`);
  const [start, end] = match[1] === '' ? [Math.max(0, size - Number(match[2])), size] : [Number(match[1]), match[2] === '' ? size : Math.min(size, Number(match[2]) + 1)];
  if (start >= size || start >= end) throw s3Error('InvalidRange', `Range ${range} is outside the ${size}-byte object`);
  return [start, end];
}
