import ipaddr from 'ipaddr.js';

/**
 * What a request without an API key may be: sent by a loopback peer (when the peer is checked),
 * to a loopback name, from no browser origin or an allowed one. A page a browser loaded from
 * another site can neither name this server by a host of its own (DNS rebinding: the Host header
 * carries the attacker's name) nor call it from its own origin (the Origin header gives it away).
 * Pure: the Express middleware, the module's guard and the Socket.IO handshake all decide here.
 */
export interface LoopbackPolicy {
  /** Browser origins allowed besides the server's own (`CORS_ORIGINS`); `*`: any. */
  allowedOrigins: readonly string[] | '*';
  /** Whether the peer's address must be loopback too (false when the operator opened `HOST`). */
  checkPeer: boolean;
}

export interface LoopbackRequest {
  /** The `Host` header as received (`localhost:3000`, `[::1]:3000`). */
  host: string | undefined;
  /** The `Origin` header, when the client (a browser) sent one. */
  origin: string | undefined;
  /** The peer's address as the socket reports it (`127.0.0.1`, `::1`, `::ffff:127.0.0.1`). */
  remoteAddress: string | undefined;
}

export type LoopbackDecision = { allowed: true } | { allowed: false; reason: string };

const ALLOWED: LoopbackDecision = { allowed: true };
const NAME = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/;
/** `name[:port]` or `[IPv6][:port]`. */
const HOST_HEADER = /^(\[[^\]]*\]|[^:[\]]+)(?::\d{1,5})?$/;

/** For messages: what the client sent, printable and short (it is the client's own text). */
function shown(value: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return printable.length > 100 ? `${printable.slice(0, 100)}…` : printable;
}

/** Whether an address literal (any form the socket reports, IPv4-mapped included) is loopback. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address || !ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'loopback';
}

/**
 * Whether a Host header names this machine's loopback: `localhost` and `*.localhost` (RFC 6761:
 * resolvers answer them with loopback, nobody can register them), with or without the final dot;
 * a dotted-quad in 127.0.0.0/8; `[::1]` (or `[::ffff:127.x.y.z]`); any port, any case. Other
 * spellings of addresses (`2130706433`, `0x7f.1`) are refused: browsers send the dotted form.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  const match = host === undefined ? null : HOST_HEADER.exec(host.trim().toLowerCase());
  if (!match) return false;
  const name = match[1];
  if (name.startsWith('[')) {
    const inner = name.slice(1, -1);
    return ipaddr.IPv6.isValid(inner) && isLoopbackAddress(inner);
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(name)) return isLoopbackAddress(name);
  const absolute = name.endsWith('.') ? name.slice(0, -1) : name;
  return NAME.test(absolute) && (absolute === 'localhost' || absolute.endsWith('.localhost'));
}

function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : null;
  } catch {
    return null;
  }
}

/**
 * Whether `origin` is the server's own (the origin a page loaded from the `Host` it names has),
 * or one of `allowed`. `null` (sandboxed frames, `file:`) and anything unparsable are foreign.
 */
export function isAllowedOrigin(origin: string, host: string, allowed: readonly string[] | '*'): boolean {
  if (allowed === '*') return true;
  const given = originOf(origin);
  if (given === null) return false;
  const own = originOf(`${new URL(given).protocol}//${host}`);
  return given === own || allowed.some((listed) => originOf(listed) === given);
}

/** The one decision for a request that presents no API key; the reason says what to change. */
export function checkLoopbackRequest(request: LoopbackRequest, policy: LoopbackPolicy): LoopbackDecision {
  if (policy.checkPeer && !isLoopbackAddress(request.remoteAddress)) {
    return {
      allowed: false,
      reason: `peer ${shown(request.remoteAddress ?? 'unknown')} is not a loopback address; set API_KEY to serve other machines`,
    };
  }
  if (request.host === undefined || request.host === '') {
    return { allowed: false, reason: 'the request has no Host header; set API_KEY to serve other hosts' };
  }
  if (!isLoopbackHost(request.host)) {
    return {
      allowed: false,
      reason: `Host ${shown(request.host)} is not a loopback name; set API_KEY to serve other hosts`,
    };
  }
  if (request.origin !== undefined && !isAllowedOrigin(request.origin, request.host, policy.allowedOrigins)) {
    return {
      allowed: false,
      reason: `Origin ${shown(request.origin)} is neither this server's origin nor listed in CORS_ORIGINS; set API_KEY to serve other origins`,
    };
  }
  return ALLOWED;
}
