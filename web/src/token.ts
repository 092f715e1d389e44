// The device token: taken from the URL fragment into localStorage, never left in the address bar; the storage keys pages share.

// Everything the browser provides is injected, so that this module runs under Node tests with fakes
// and type-checks without the DOM library.
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface LocationLike {
  readonly protocol: string;
  readonly host: string;
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
}

export interface HistoryLike {
  replaceState(data: unknown, unused: string, url?: string | null): void;
}

export function tokenKey(page: string): string {
  return `eventday.token.${page}`;
}

export function cursorKey(page: string): string {
  return `eventday.live.${page}`;
}

export interface TokenEnv {
  location: LocationLike;
  history: HistoryLike;
  localStorage: StorageLike;
  sessionStorage: StorageLike;
}

/**
 * Moves a `#token=…` fragment into localStorage and strips it from the address bar, so that it
 * never shows in a screenshot, a bookmark or the history. Returns the token to use, if any.
 */
export function takeToken(env: TokenEnv, page: string): string | null {
  const hash = env.location.hash.startsWith('#') ? env.location.hash.slice(1) : env.location.hash;
  const params = new URLSearchParams(hash);
  const fromFragment = params.get('token');
  if (fromFragment !== null) {
    params.delete('token');
    const rest = params.toString();
    env.history.replaceState(null, '', env.location.pathname + env.location.search + (rest ? `#${rest}` : ''));
    const token = fromFragment.trim();
    if (token) {
      if (env.localStorage.getItem(tokenKey(page)) !== token) {
        // A different device sees different events: its cursor must not be reused.
        env.sessionStorage.removeItem(cursorKey(page));
      }
      env.localStorage.setItem(tokenKey(page), token);
      return token;
    }
  }
  return env.localStorage.getItem(tokenKey(page));
}

export function forgetToken(env: Pick<TokenEnv, 'localStorage' | 'sessionStorage'>, page: string): void {
  env.localStorage.removeItem(tokenKey(page));
  env.sessionStorage.removeItem(cursorKey(page));
}
