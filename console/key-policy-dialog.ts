// The key policy editor: a key's policy (GetKeyPolicy, PolicyName "default", the only name KMS
// has) as JSON in a text area; Save sends it with PutKeyPolicy. A refusal — the text is not JSON
// or KMS finds the document malformed (MalformedPolicyDocumentException), or the caller may not
// change it — is shown inside the dialog in AWS's words, with the text kept for fixing.

import { AwsError, kms } from './aws-calls.js';
import { byId } from './dom.js';
import type { Session } from './session.js';

export class KeyPolicyDialog {
  private keyId: string | undefined;
  private readonly dialog = byId<HTMLDialogElement>('policy-dialog');
  private readonly text = byId<HTMLTextAreaElement>('policy-text');
  private readonly problem = byId('policy-error');

  /** `saved` runs after a policy is stored (to show the panels afresh). */
  constructor(private readonly session: Session, private readonly saved: () => void) {
    byId<HTMLFormElement>('policy-form').onsubmit = (event) => {
      event.preventDefault();
      void this.save();
    };
    byId<HTMLButtonElement>('policy-cancel').onclick = () => this.dialog.close();
  }

  async open(keyId: string, label: string): Promise<void> {
    const { Policy } = await kms<{ Policy: string }>(this.session, 'GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' });
    this.keyId = keyId;
    byId('policy-key-name').textContent = label;
    this.text.value = JSON.stringify(JSON.parse(Policy), null, 2);
    this.show(undefined);
    this.dialog.showModal();
    this.text.focus();
  }

  private show(problem: string | undefined): void {
    this.problem.textContent = problem ?? '';
    this.problem.hidden = problem === undefined;
    if (problem === undefined) this.text.removeAttribute('aria-invalid');
    else this.text.setAttribute('aria-invalid', 'true');
  }

  private async save(): Promise<void> {
    try {
      await kms(this.session, 'PutKeyPolicy', { KeyId: this.keyId, PolicyName: 'default', Policy: this.text.value });
    } catch (error) {
      this.show(error instanceof AwsError ? `${error.code}: ${error.message}` : String((error as Error).message));
      return;
    }
    this.dialog.close();
    this.saved();
  }
}
