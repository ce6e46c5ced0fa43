// A progress line on stderr for the file commands (cli-progress: bytes, MiB/s, ETA), shown only when
// stderr is a terminal and --quiet is not given; piped or redirected, nothing is written.

import { Transform } from 'node:stream';
import { Presets, SingleBar } from 'cli-progress';

const MIB = 1024 * 1024;

/** A pass-through that counts the bytes going by on a bar; `total` undefined when unknown (stdin). */
export function progressMeter(total: number | undefined, show: boolean): { meter: Transform; stop: () => void } {
  if (!show) return { meter: new Transform({ transform: (chunk, _encoding, done) => done(null, chunk) }), stop: () => undefined };
  const started = Date.now();
  const bar = new SingleBar({
    stream: process.stderr,
    hideCursor: true,
    fps: 5,
    etaBuffer: 50,
    format: total === undefined ? '{done} MiB | {speed} MiB/s' : '{bar} {percentage}% | {done}/{all} MiB | {speed} MiB/s | ETA {eta_formatted}',
  }, Presets.shades_classic);
  const payload = (bytes: number) => ({
    done: (bytes / MIB).toFixed(1),
    all: ((total ?? 0) / MIB).toFixed(1),
    speed: (bytes / MIB / Math.max((Date.now() - started) / 1000, 0.001)).toFixed(1),
  });
  let bytes = 0;
  bar.start(total ?? 0, 0, payload(0));
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      bar.update(total === undefined ? 0 : bytes, payload(bytes));
      done(null, chunk);
    },
  });
  return { meter, stop: () => bar.stop() };
}
