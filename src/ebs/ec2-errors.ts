// EC2 errors carry the EC2 error code in `.name` (InvalidVolume.NotFound, IncorrectState, …).
// KMS refusals met on the way (a disabled key, a caller the key does not allow) pass through as
// the KmsError they are.

export type Ec2ErrorCode =
  | 'InvalidVolume.NotFound' | 'InvalidSnapshot.NotFound' | 'IncorrectState' | 'VolumeInUse' | 'UnauthorizedOperation'
  | 'InvalidParameterValue' | 'MissingParameter' | 'InvalidAttachment.NotFound';

export class Ec2Error extends Error {
  override readonly name: Ec2ErrorCode;

  constructor(code: Ec2ErrorCode, message: string) {
    super(message);
    this.name = code;
  }
}

export const ec2Error = (code: Ec2ErrorCode, message: string) => new Ec2Error(code, message);
