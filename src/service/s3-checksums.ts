// The checksum algorithms of S3's additional checksums, as AWS's own packages compute them
// (@aws-crypto/crc32, @aws-crypto/crc32c, @aws-sdk/crc64-nvme; SHA from node:crypto): used to
// verify what requests carry (s3-payload.ts) and given to the service's ObjectStore for the parts
// and objects of multipart uploads. Each digest is the big-endian bytes in base64.

import { createHash } from 'node:crypto';
import { Crc32 } from '@aws-crypto/crc32';
import { Crc32c } from '@aws-crypto/crc32c';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import type { Checksummer, ChecksummerFactory } from '../s3/object-checksums.js';

function crc32(crc: Crc32 | Crc32c): Checksummer {
  return {
    update: (bytes) => { crc.update(bytes); },
    digest: async () => {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(crc.digest() >>> 0);
      return bytes.toString('base64');
    },
  };
}

export const awsChecksummer: ChecksummerFactory = (algorithm) => {
  switch (algorithm) {
    case 'CRC32': return crc32(new Crc32());
    case 'CRC32C': return crc32(new Crc32c());
    case 'CRC64NVME': {
      const crc = new Crc64Nvme();
      return { update: (bytes) => crc.update(bytes), digest: async () => Buffer.from(await crc.digest()).toString('base64') };
    }
    case 'SHA1':
    case 'SHA256': {
      const hash = createHash(algorithm.toLowerCase());
      return { update: (bytes) => { hash.update(bytes); }, digest: async () => hash.digest('base64') };
    }
  }
};
