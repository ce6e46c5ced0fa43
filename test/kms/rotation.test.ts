import { describe, expect, it } from 'vitest';
import { bytes, makeKms, rejectsWith, text } from './fixtures.js';

describe('rotation', () => {
  it('enableKeyRotation takes 90–2560 days (default 365) and rotates by the clock; every version still decrypts', async () => {
    const { kms, clock } = makeKms();
    const { KeyMetadata: key } = await kms.createKey();
    for (const days of [89, 2561, 100.5]) await rejectsWith(kms.enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: days }), 'ValidationException');
    await kms.enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: 90 });
    const status = await kms.getKeyRotationStatus({ KeyId: key.KeyId });
    expect(status).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 90 });
    expect(status.NextRotationDate?.toISOString()).toBe('2026-04-01T00:00:00.000Z');

    const blobs: Array<[Uint8Array, string]> = [];
    for (let i = 0; i < 5; i++) {
      const message = `written in period ${i}`;
      blobs.push([(await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(message) })).CiphertextBlob, message]);
      clock.advanceDays(90);
    }
    const versions = blobs.map(([blob]) => new DataView(blob.buffer, blob.byteOffset).getUint32(17));
    expect(versions).toEqual([1, 2, 3, 4, 5]);
    for (const [blob, message] of blobs) expect(text((await kms.decrypt({ CiphertextBlob: blob })).Plaintext)).toBe(message);
    const rotations = (await kms.listKeyRotations({ KeyId: key.KeyId })).Rotations;
    expect(rotations.map((r) => r.RotationType)).toEqual(['AUTOMATIC', 'AUTOMATIC', 'AUTOMATIC', 'AUTOMATIC', 'AUTOMATIC']);
    expect(rotations[0]!.RotationDate.toISOString()).toBe('2026-04-01T00:00:00.000Z');
  });

  it('rotateKeyOnDemand adds a version at once; disableKeyRotation stops the schedule', async () => {
    const { kms, clock } = makeKms();
    const { KeyMetadata: key } = await kms.createKey();
    const before = (await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('old') })).CiphertextBlob;
    await kms.rotateKeyOnDemand({ KeyId: key.KeyId });
    const after = (await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('new') })).CiphertextBlob;
    expect(new DataView(after.buffer, after.byteOffset).getUint32(17)).toBe(2);
    expect(text((await kms.decrypt({ CiphertextBlob: before })).Plaintext)).toBe('old');
    expect((await kms.listKeyRotations({ KeyId: key.KeyId })).Rotations.map((r) => r.RotationType)).toEqual(['ON_DEMAND']);

    await kms.enableKeyRotation({ KeyId: key.KeyId });
    await kms.disableKeyRotation({ KeyId: key.KeyId });
    expect((await kms.getKeyRotationStatus({ KeyId: key.KeyId })).KeyRotationEnabled).toBe(false);
    clock.advanceDays(400);
    expect((await kms.listKeyRotations({ KeyId: key.KeyId })).Rotations).toHaveLength(1);
  });

  it('a key pending deletion cannot be rotated', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey();
    await kms.scheduleKeyDeletion({ KeyId: key.KeyId });
    await rejectsWith(kms.rotateKeyOnDemand({ KeyId: key.KeyId }), 'KMSInvalidStateException');
    await rejectsWith(kms.enableKeyRotation({ KeyId: key.KeyId }), 'KMSInvalidStateException');
  });
});
