// The Keys panel: the account's keys with their aliases, state, description and rotation; create a
// key with an alias; enable, disable, schedule deletion (with its waiting period, 7–30 days); view
// and edit a key's policy (key-policy-dialog.ts).

import { AwsError, kms } from './aws-calls.js';
import { byId, h } from './dom.js';
import { KeyPolicyDialog } from './key-policy-dialog.js';
import type { Session } from './session.js';

interface KeyMetadata {
  KeyId: string;
  KeyState: string;
  Description?: string;
  KeySpec?: string;
  Origin?: string;
  KeyManager?: string;
  DeletionDate?: number;
}
interface AliasEntry { AliasName: string; TargetKeyId?: string }

/** Every page of a List* operation (Marker / NextMarker / Truncated). */
async function listAll<T>(session: Session, operation: string, field: string): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  do {
    const page = await kms<Record<string, unknown>>(session, operation, marker ? { Marker: marker } : {});
    items.push(...(page[field] as T[] ?? []));
    marker = page.Truncated ? page.NextMarker as string : undefined;
  } while (marker);
  return items;
}

/** "Enabled", "Disabled", or "—" where the key has no automatic rotation (asymmetric, HMAC, imported). */
async function rotationOf(session: Session, key: KeyMetadata): Promise<string> {
  if (key.KeySpec !== 'SYMMETRIC_DEFAULT' || key.Origin !== 'AWS_KMS' || key.KeyState === 'PendingDeletion') return '—';
  const { KeyRotationEnabled } = await kms<{ KeyRotationEnabled: boolean }>(session, 'GetKeyRotationStatus', { KeyId: key.KeyId });
  return KeyRotationEnabled ? 'Enabled' : 'Disabled';
}

export class KeysView {
  private pendingDeletion: string | undefined;
  private readonly policy: KeyPolicyDialog;

  /** `act` runs an action, then shows every panel as it now is (main.ts). */
  constructor(private readonly session: Session, private readonly act: (action: () => Promise<unknown>) => Promise<void>) {
    byId<HTMLFormElement>('create-key-form').onsubmit = (event) => {
      event.preventDefault();
      void this.act(() => this.createKey(event.target as HTMLFormElement));
    };
    const dialog = byId<HTMLDialogElement>('delete-dialog');
    byId<HTMLFormElement>('delete-form').onsubmit = (event) => {
      event.preventDefault();
      const days = Number(byId<HTMLInputElement>('pending-days').value);
      const keyId = this.pendingDeletion!;
      dialog.close();
      void this.act(() => kms(this.session, 'ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: days }));
    };
    byId<HTMLButtonElement>('delete-cancel').onclick = () => dialog.close();
    byId<HTMLButtonElement>('refresh-keys').onclick = () => void this.act(async () => undefined);
    this.policy = new KeyPolicyDialog(session, () => void this.act(async () => undefined));
  }

  private async createKey(form: HTMLFormElement): Promise<void> {
    const data = new FormData(form);
    const alias = String(data.get('alias')).trim();
    const aliasName = alias.startsWith('alias/') ? alias : `alias/${alias}`;
    const { KeyMetadata } = await kms<{ KeyMetadata: KeyMetadata }>(this.session, 'CreateKey', { Description: String(data.get('description')) });
    try {
      await kms(this.session, 'CreateAlias', { AliasName: aliasName, TargetKeyId: KeyMetadata.KeyId });
    } catch (error) {
      // The key exists without its alias: say so, rather than leave an anonymous key unexplained.
      if (error instanceof AwsError) throw new AwsError(error.code, `${error.message} (key ${KeyMetadata.KeyId} was created without the alias)`);
      throw error;
    }
    form.reset();
  }

  async render(): Promise<void> {
    const [keys, aliases] = await Promise.all([
      listAll<{ KeyId: string }>(this.session, 'ListKeys', 'Keys'),
      listAll<AliasEntry>(this.session, 'ListAliases', 'Aliases'),
    ]);
    const rows = await Promise.all(keys.map(async ({ KeyId }) => {
      const { KeyMetadata } = await kms<{ KeyMetadata: KeyMetadata }>(this.session, 'DescribeKey', { KeyId });
      return this.row(KeyMetadata, aliases.filter((a) => a.TargetKeyId === KeyId).map((a) => a.AliasName), await rotationOf(this.session, KeyMetadata));
    }));
    const body = byId<HTMLTableSectionElement>('keys-body');
    body.replaceChildren(...rows);
    byId('keys-empty').hidden = rows.length > 0;
  }

  private row(key: KeyMetadata, aliases: string[], rotation: string): HTMLTableRowElement {
    const label = aliases[0] ?? key.KeyId;
    const button = (text: string, onclick: () => void) => {
      const b = h('button', { type: 'button', 'aria-label': `${text} ${label}` }, text);
      b.onclick = onclick;
      return b;
    };
    const customerManaged = key.KeyManager !== 'AWS';
    const state = key.KeyState === 'PendingDeletion' && key.DeletionDate
      ? `PendingDeletion (deletes ${new Date(key.DeletionDate * 1000).toISOString().slice(0, 10)})` : key.KeyState;
    const actions = h('td', { 'data-label': 'Actions' }, h('div', { class: 'bar' },
      button('Policy', () => void this.act(() => this.policy.open(key.KeyId, label))),
      customerManaged && key.KeyState === 'Enabled' && button('Disable', () => void this.act(() => kms(this.session, 'DisableKey', { KeyId: key.KeyId }))),
      customerManaged && key.KeyState === 'Disabled' && button('Enable', () => void this.act(() => kms(this.session, 'EnableKey', { KeyId: key.KeyId }))),
      customerManaged && key.KeyState === 'PendingDeletion' && button('Cancel deletion', () => void this.act(() => kms(this.session, 'CancelKeyDeletion', { KeyId: key.KeyId }))),
      customerManaged && key.KeyState !== 'PendingDeletion' && button('Schedule deletion', () => this.askDeletion(key.KeyId, label))));
    return h('tr', { 'data-key-id': key.KeyId },
      h('td', { 'data-label': 'Aliases' }, aliases.join(', ') || '—'),
      h('td', { 'data-label': 'Key ID', class: 'mono' }, key.KeyId),
      h('td', { 'data-label': 'State', class: 'state' }, state),
      h('td', { 'data-label': 'Description' }, key.Description || '—'),
      h('td', { 'data-label': 'Rotation' }, rotation),
      actions);
  }

  private askDeletion(keyId: string, label: string): void {
    this.pendingDeletion = keyId;
    byId('delete-key-name').textContent = label;
    byId<HTMLInputElement>('pending-days').value = '30';
    byId<HTMLDialogElement>('delete-dialog').showModal();
  }
}
