// Who is making a request, as every service's methods take it: `(request, caller?)`.

export interface Caller {
  /**
   * The caller's ARN (`arn:aws:iam::111122223333:user/alice`, a role session, an account root), or
   * a service principal acting as itself (`s3.amazonaws.com`).
   */
  principal: string;
  /**
   * The AWS service making this request on the caller's behalf (e.g. "s3.amazonaws.com"): the
   * request is still the caller's; policies see the service as kms:ViaService / aws:ViaAWSService.
   */
  viaService?: string;
  /** aws:SourceIp, where the transport knows it (the service fills it in). */
  sourceIp?: string;
  /** aws:SecureTransport: whether the request came over TLS, where the transport knows it. */
  secureTransport?: boolean;
}
