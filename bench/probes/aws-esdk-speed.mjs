// Encrypting and decrypting AWS Encryption SDK messages, kms-wasm against the Encryption SDK for
// JavaScript on Node (@aws-crypto/client-node, node:crypto underneath), side by side in one
// process: 16 MiB messages, raw AES keyring, alternating rounds, median MiB/s of each.
// Run after `npm run build`: node bench/probes/aws-esdk-speed.mjs
import { buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';
import { decryptAwsEsdkMessage, encryptAwsEsdkMessage, RawAesKeyring } from '../../dist/index.js';

const BYTES = 16 * 1024 * 1024;
const ROUNDS = 5;
const wrappingKey = crypto.getRandomValues(new Uint8Array(32));
const ours = new RawAesKeyring({ keyNamespace: 'probe', keyName: 'k', wrappingKey });
const theirs = new RawAesKeyringNode({ keyNamespace: 'probe', keyName: 'k', unencryptedMasterKey: wrappingKey.slice(),
  wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING });
const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const plaintext = new Uint8Array(BYTES).fill(7);

const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
const mibs = (ms) => (BYTES / 1024 / 1024) / (ms / 1000);
async function time(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

for (const suiteId of [0x0478, 0x0578]) {
  for (const frameLength of [4096, 65536]) {
    const t = { oursEnc: [], oursDec: [], theirsEnc: [], theirsDec: [] };
    const ourMessage = (await encryptAwsEsdkMessage(plaintext, { keyring: ours, suiteId, frameLength })).message;
    const theirMessage = (await esdk.encrypt(theirs, plaintext, { suiteId, frameLength })).result;
    for (let round = 0; round < ROUNDS; round++) {
      t.oursEnc.push(await time(() => encryptAwsEsdkMessage(plaintext, { keyring: ours, suiteId, frameLength })));
      t.theirsEnc.push(await time(() => esdk.encrypt(theirs, plaintext, { suiteId, frameLength })));
      t.oursDec.push(await time(() => decryptAwsEsdkMessage(theirMessage, { keyring: ours })));
      t.theirsDec.push(await time(() => esdk.decrypt(theirs, ourMessage)));
    }
    const [oe, te, od, td] = [t.oursEnc, t.theirsEnc, t.oursDec, t.theirsDec].map((xs) => mibs(median(xs)));
    console.log(`0x0${suiteId.toString(16)} frame ${frameLength}: encrypt kms-wasm ${oe.toFixed(1)} MiB/s, Encryption SDK ${te.toFixed(1)} MiB/s (${(oe / te).toFixed(2)}x); `
      + `decrypt kms-wasm ${od.toFixed(1)} MiB/s, Encryption SDK ${td.toFixed(1)} MiB/s (${(od / td).toFixed(2)}x)`);
  }
}
