import type { Environment } from './environment';

/** Where the service listens when neither API_KEY nor HOST says otherwise. */
export const LOOPBACK_HOST = '127.0.0.1';

/**
 * - `api-key`: API_KEY is set; it listens on HOST (default 0.0.0.0) and serves whoever has a key.
 * - `protected`: neither API_KEY nor HOST; loopback only, in every respect.
 * - `loopback-hosts`: HOST is given without API_KEY; it listens there, from any peer, but only
 *   for requests that name a loopback Host (a port mapping or tunnel to this machine).
 */
export type AccessMode = 'api-key' | 'protected' | 'loopback-hosts';

export interface ListenAddress {
  host: string;
  mode: AccessMode;
}

export function listenAddressOf(env: Pick<Environment, 'API_KEY' | 'HOST'>): ListenAddress {
  if (env.API_KEY) return { host: env.HOST ?? '0.0.0.0', mode: 'api-key' };
  if (env.HOST === undefined) return { host: LOOPBACK_HOST, mode: 'protected' };
  return { host: env.HOST, mode: 'loopback-hosts' };
}

/** A few words for the ready line: who the service answers. */
export function accessSummary(mode: AccessMode): string {
  switch (mode) {
    case 'api-key':
      return 'API key required';
    case 'protected':
      return 'protected mode: loopback only';
    case 'loopback-hosts':
      return 'no API key: loopback Host names only';
  }
}

const LOOPBACK_NAMES = 'localhost, 127.x.x.x, [::1]';

/** The warning logged at start when no API key protects the service, with the ways to open it up. */
export function accessNotice({ host, mode }: ListenAddress): string | null {
  switch (mode) {
    case 'api-key':
      return null;
    case 'protected':
      return (
        `Protected mode: API_KEY and HOST are not set, so the service listens on ${host} only and ` +
        `answers only requests to a loopback name (${LOOPBACK_NAMES}) from its own origin or CORS_ORIGINS. ` +
        'To serve other machines, set API_KEY (it then listens on 0.0.0.0), or set HOST explicitly ' +
        '(it then listens there, still for loopback names only until API_KEY is set)'
      );
    case 'loopback-hosts':
      return (
        `API_KEY is not set: listening on ${host} as HOST asks, but answering only requests to a ` +
        `loopback name (${LOOPBACK_NAMES}) from this service's origin or CORS_ORIGINS; set API_KEY to serve other hosts`
      );
  }
}
