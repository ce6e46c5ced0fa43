// Reading a volume region never written (sectors stored as zeros, read back as zeros without
// decryption): 256 MiB in 8 MiB reads from a memory volume, three times.
// Run after `npm run build`: node bench/probes/unwritten-read.mjs
import { BlockStore, KeyManagementService, terminateWorkers } from '../../dist/index.js';

const READ_BYTES = 8 * 1024 * 1024;
const TOTAL_BYTES = 256 * 1024 * 1024;
const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
const ec2 = new BlockStore({ kms });
const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true });
const disk = await ec2.attachVolume({ VolumeId, InstanceId: 'i-0123456789abcdef0' });
for (let round = 0; round < 3; round++) {
  const start = performance.now();
  for (let offset = 0; offset < TOTAL_BYTES; offset += READ_BYTES) await disk.read(offset, READ_BYTES);
  console.log(`256 MiB of unwritten sectors read in ${(performance.now() - start).toFixed(0)} ms`);
}
await terminateWorkers();
