// What a message's own set-up costs against its cipher, for the 64 KiB frames of kms-wasm's envelope
// (each frame is a GCM message under the same message key): the WASM core's gcmInit (key schedule, H,
// GHASH tables), the IV and gcmForget (the byte tables wiped) alone; one frame reusing a context set up
// once; and one frame set up and wiped as the envelope does it. Best of many calls, in µs.
//
//   npm run build && node bench/probes/gcm-frame-setup.mjs [bytes=65536] [samples=400]
import { coreWithData } from './core-kernels.mjs';

const [bytes = 65536, samples = 400] = process.argv.slice(2).map(Number);
const { core, ctx, key, data } = await coreWithData(new URL('../../build/core.wasm', import.meta.url), bytes);
const best = (step) => {
  let fastest = Infinity;
  for (let i = 0; i < samples; i++) {
    const start = process.hrtime.bigint();
    step();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - start));
  }
  return fastest / 1000;
};
for (let round = 0; round < 3; round++) {
  const setUp = best(() => { core.gcmInit(ctx, key, false); core.gcmSetIv96(ctx, key); core.gcmForget(ctx); });
  core.gcmInit(ctx, key, false);
  const reused = best(() => { core.gcmSetIv96(ctx, key); core.gcmEncrypt(ctx, data, bytes); core.gcmFinal(ctx); });
  const fresh = best(() => {
    core.gcmInit(ctx, key, false); core.gcmSetIv96(ctx, key); core.gcmEncrypt(ctx, data, bytes); core.gcmFinal(ctx); core.gcmForget(ctx);
  });
  console.log(`set-up and wipe ${setUp.toFixed(1)} µs; a ${bytes}-byte frame in a reused context ${reused.toFixed(1)} µs, set up and wiped ${fresh.toFixed(1)} µs (${(fresh / reused).toFixed(3)}×)`);
}
