/** The API key lives for the tab's session only (sessionStorage), never in localStorage or a cookie. */
const KEY = 'scout-scheduler.api-key';

export function storedApiKey(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function storeApiKey(key: string | undefined): void {
  try {
    if (key) sessionStorage.setItem(KEY, key);
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage refused (a private mode): the key then lasts until the page reloads.
  }
}
