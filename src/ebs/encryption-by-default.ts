// The account's EBS encryption settings: encryption by default, and the default KMS key of new
// encrypted volumes (the one set here, or EBS's AWS managed key, alias/aws/ebs).

import type { Caller } from '../policy/caller.js';
import type { EbsSettings } from './block-records.js';
import type {
  DisableEbsEncryptionByDefaultResult, EnableEbsEncryptionByDefaultResult, GetEbsDefaultKmsKeyIdResult, GetEbsEncryptionByDefaultResult,
  ModifyEbsDefaultKmsKeyIdRequest, ModifyEbsDefaultKmsKeyIdResult, ResetEbsDefaultKmsKeyIdResult,
} from './ec2-api-types.js';
import { EC2, type EbsCalls } from './ebs-calls.js';

export class EncryptionByDefault {
  constructor(private readonly calls: EbsCalls) {}

  enable(caller?: Caller): Promise<EnableEbsEncryptionByDefaultResult> {
    return this.set(caller, 'ec2:EnableEbsEncryptionByDefault', (s) => ({ ...s, encryptionByDefault: true }));
  }

  disable(caller?: Caller): Promise<DisableEbsEncryptionByDefaultResult> {
    return this.set(caller, 'ec2:DisableEbsEncryptionByDefault', (s) => ({ ...s, encryptionByDefault: false }));
  }

  get(caller?: Caller): Promise<GetEbsEncryptionByDefaultResult> {
    const { calls } = this;
    return calls.run(async () => {
      calls.authorize(caller, 'ec2:GetEbsEncryptionByDefault', '*');
      return { EbsEncryptionByDefault: calls.state.encryptionByDefault };
    });
  }

  getDefaultKey(caller?: Caller): Promise<GetEbsDefaultKmsKeyIdResult> {
    const { calls } = this;
    return calls.run(async () => {
      calls.authorize(caller, 'ec2:GetEbsDefaultKmsKeyId', '*');
      return { KmsKeyId: calls.state.defaultKmsKeyId ?? this.managedKeyAliasArn() };
    });
  }

  modifyDefaultKey(request: ModifyEbsDefaultKmsKeyIdRequest, caller?: Caller): Promise<ModifyEbsDefaultKmsKeyIdResult> {
    const { calls } = this;
    return calls.run(async () => {
      const who = calls.authorize(caller, 'ec2:ModifyEbsDefaultKmsKeyId', '*');
      const { KeyMetadata } = await calls.kms.describeKey({ KeyId: request.KmsKeyId }, { principal: who.principal, viaService: EC2 });
      await calls.store.change(() => calls.apply({ settings: { ...this.settings(), defaultKmsKeyId: KeyMetadata.Arn } }));
      return { KmsKeyId: KeyMetadata.Arn };
    });
  }

  /** As in EC2, the answer is the default key after the reset: the AWS managed key. */
  async resetDefaultKey(caller?: Caller): Promise<ResetEbsDefaultKmsKeyIdResult> {
    await this.set(caller, 'ec2:ResetEbsDefaultKmsKeyId', ({ encryptionByDefault }) => ({ encryptionByDefault }));
    return { KmsKeyId: this.managedKeyAliasArn() };
  }

  private settings(): EbsSettings {
    const { encryptionByDefault, defaultKmsKeyId } = this.calls.state;
    return defaultKmsKeyId === undefined ? { encryptionByDefault } : { encryptionByDefault, defaultKmsKeyId };
  }

  /** Sets the settings to `change(current)`, decided on the store's current state. */
  private set(caller: Caller | undefined, action: string, change: (settings: EbsSettings) => EbsSettings) {
    const { calls } = this;
    return calls.run(async () => {
      calls.authorize(caller, action, '*');
      await calls.store.change(() => calls.apply({ settings: change(this.settings()) }));
      return { EbsEncryptionByDefault: calls.state.encryptionByDefault };
    });
  }

  /** EBS's AWS managed key, by its alias ARN (the key itself is made on first use). */
  private managedKeyAliasArn(): string {
    return `arn:aws:kms:${this.calls.kms.region}:${this.calls.kms.account}:alias/aws/ebs`;
  }
}
