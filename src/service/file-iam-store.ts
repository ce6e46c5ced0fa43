// The identities of one server, in DIR: iam-state.bin, the whole state sealed under the root key
// (sealed-state-file.ts), rewritten on every change. One change at a time (each record is the whole
// state), made on a copy that is stored and only then becomes the state (core/state-change.ts's
// `publish`): a reader — an access key being checked, a listing — never sees a change whose write
// may yet fail, and a failed write changes nothing. DIR's serve lock keeps a second server off it.

import { SerialQueue } from '../core/serial-queue.js';
import { commitChange } from '../core/state-change.js';
import type { AccessKeyPair } from './access-key-generator.js';
import type { IamState, IamStore } from './iam-directory.js';
import { chooseRootCredentials, RootCredentialsError } from './root-credentials.js';
import { SealedStateFile } from './sealed-state-file.js';

export const IAM_STATE_FILE = 'iam-state.bin';

export class FileIamStore implements IamStore {
  private readonly changes = new SerialQueue();

  constructor(private readonly file: SealedStateFile<IamState>, public state: IamState) {}

  /**
   * DIR's identities, or on its first start the root credentials alone (the environment's, or a new
   * pair: `generated`), stored at once. Another account's DIR, or other root credentials in the
   * environment, are refused with a RootCredentialsError.
   */
  static async open(dir: string, rootKey: Uint8Array, account: string, environment: Record<string, string | undefined>):
    Promise<{ store: FileIamStore; generated?: AccessKeyPair }> {
    const file = new SealedStateFile<IamState>(dir, IAM_STATE_FILE, rootKey);
    const stored = await file.read();
    if (stored && stored.account !== account) throw new RootCredentialsError(`${dir} holds account ${stored.account}'s state; start it with --account ${stored.account}`);
    const root = chooseRootCredentials(environment, stored?.root);
    const state = stored ?? { account, root: root.credentials, users: [], accessKeys: [] };
    if (!stored) await file.write(state);
    return { store: new FileIamStore(file, state), generated: root.generated ? root.credentials : undefined };
  }

  async refresh(): Promise<void> {}

  async change<T>(mutate: (state: IamState) => T): Promise<T> {
    let result!: T;
    await commitChange(() => {
      const next = structuredClone(this.state);
      result = mutate(next);
      return { record: next, publish: () => { this.state = next; } };
    }, (next) => this.file.write(next), this.changes);
    return result;
  }

  async close(): Promise<void> {
    await this.changes.run(async () => undefined);
  }
}
