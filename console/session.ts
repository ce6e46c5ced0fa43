// The signed-in credentials live in sessionStorage only: this tab, until it closes or signs out. They
// never leave the page except as SigV4 signatures (signed-fetch.ts).

export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

const KEY = 'kms-wasm-console-session';

export function loadSession(): Session | undefined {
  const stored = sessionStorage.getItem(KEY);
  if (stored === null) return undefined;
  try {
    const parsed = JSON.parse(stored) as Partial<Session>;
    if (typeof parsed.accessKeyId === 'string' && typeof parsed.secretAccessKey === 'string' && typeof parsed.region === 'string') {
      return { accessKeyId: parsed.accessKeyId, secretAccessKey: parsed.secretAccessKey, region: parsed.region };
    }
  } catch {
    // An unreadable entry is no session.
  }
  sessionStorage.removeItem(KEY);
  return undefined;
}

export const saveSession = (session: Session) => sessionStorage.setItem(KEY, JSON.stringify(session));
export const clearSession = () => sessionStorage.removeItem(KEY);
