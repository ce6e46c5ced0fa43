// The console's entry: sign-in (checked with STS GetCallerIdentity, kept in sessionStorage), sign-out,
// the error banner, and the panels (Keys, Buckets, Queries), each shown afresh after every action.

import { AwsError, callerArn } from './aws-calls.js';
import { byId } from './dom.js';
import { KeysView } from './keys-view.js';
import { ObjectsView } from './objects-view.js';
import { QueriesView } from './queries-view.js';
import { clearSession, loadSession, saveSession, type Session } from './session.js';
import { TransfersView } from './transfers-view.js';

const errorBanner = byId('error');

function showError(error: unknown): void {
  // AWS's words: the error code and its message, as the service sent them.
  errorBanner.textContent = error instanceof AwsError ? `${error.code}: ${error.message}` : String((error as Error)?.message ?? error);
  errorBanner.hidden = false;
}

function clearError(): void {
  errorBanner.hidden = true;
  errorBanner.textContent = '';
}

async function open(session: Session): Promise<void> {
  const arn = await callerArn(session);
  saveSession(session);
  byId('signed-in-as').textContent = arn;
  byId('sign-in').hidden = true;
  byId('signed-in').hidden = false;
  const panels: { render(): Promise<void> }[] = [];
  /**
   * Runs an action, then shows every panel as it now is; a failure is shown in AWS's words. The
   * action's own failure is the one shown: a panel that then fails to refresh (a user allowed to
   * run queries but not to list keys) must not replace it.
   */
  const act = async (action: () => Promise<unknown>) => {
    clearError();
    let failed = false;
    const showFirst = (error: unknown) => {
      if (!failed) showError(error);
      failed = true;
    };
    await action().catch(showFirst);
    for (const panel of panels) await panel.render().catch(showFirst);
  };
  const transfers: TransfersView = new TransfersView(session, act, (): string | undefined => objects.bucket);
  const objects = new ObjectsView(session, act, transfers);
  panels.push(new KeysView(session, act), objects, transfers, new QueriesView(session, act));
  await act(async () => undefined);
  byId('keys-heading').focus();
}

byId<HTMLFormElement>('sign-in-form').onsubmit = (event) => {
  event.preventDefault();
  clearError();
  const data = new FormData(event.target as HTMLFormElement);
  const session = { accessKeyId: String(data.get('access-key-id')).trim(), secretAccessKey: String(data.get('secret-access-key')), region: String(data.get('region')).trim() };
  open(session).catch(showError);
};

byId<HTMLButtonElement>('sign-out').onclick = () => {
  clearSession();
  location.reload();
};

const stored = loadSession();
if (stored) open(stored).catch((error) => { clearSession(); showError(error); });
