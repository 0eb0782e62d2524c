import ipaddr from 'ipaddr.js';
import type { IpAddress } from '../../config/egress-rules';

/** An address in the form it is matched in, and any IPv4 address an IPv6 form carries. */
export interface NormalisedAddress {
  /** IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is this IPv4 address: the socket reaches it. */
  address: IpAddress;
  /**
   * The IPv4 address inside an IPv4-compatible (`::a.b.c.d`) or NAT64 (`64:ff9b::a.b.c.d`)
   * address: a translator on the path may deliver there, so it is checked against the deny lists.
   */
  embeddedIPv4: ipaddr.IPv4 | null;
}

const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * Reads `host` as an IP address, in any spelling a resolver or URL parser would accept: dotted
 * quad, one number in decimal, hex or octal (`2852039166`, `0xa9fea9fe`), dotted octal or hex
 * parts (`0251.0376.0251.0376`), short forms (`127.1`), IPv6 with or without brackets, IPv4-mapped
 * and IPv4-compatible IPv6. WHATWG `new URL()` already rewrites the IPv4 spellings of an http(s)
 * URL to a dotted quad; this does it again so the check never depends on who parsed the URL.
 * Returns null for a host name.
 */
export function parseAddressLiteral(host: string): NormalisedAddress | null {
  let text = host.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  // A trailing dot is the root label of a name; for an address, resolvers drop it.
  if (/^[0-9a-fx.]+\.$/i.test(text)) text = text.slice(0, -1);
  let parsed: IpAddress;
  if (ipaddr.IPv6.isValid(text)) parsed = ipaddr.IPv6.parse(text);
  else if (ipaddr.IPv4.isValid(text)) parsed = ipaddr.IPv4.parse(text);
  else return null;
  return normaliseAddress(parsed);
}

/** The matching form of an address the socket reports or the resolver returns. */
export function normaliseAddress(parsed: IpAddress): NormalisedAddress {
  if (parsed instanceof ipaddr.IPv4) return { address: parsed, embeddedIPv4: null };
  // The zone of a scoped address (`fe80::1%eth0`) does not change which range it is in.
  const address = new ipaddr.IPv6(parsed.parts);
  if (address.isIPv4MappedAddress()) return { address: address.toIPv4Address(), embeddedIPv4: null };
  const [p0, p1, p2, p3, p4, p5, p6, p7] = address.parts;
  const compatible = p0 === 0 && p1 === 0 && p2 === 0 && p3 === 0 && p4 === 0 && p5 === 0;
  // `::` and `::1` are the unspecified and loopback addresses, not IPv4-compatible ones.
  const carriesIPv4 = (compatible && (p6 !== 0 || p7 > 1)) || address.match(NAT64);
  const embeddedIPv4 = carriesIPv4 ? new ipaddr.IPv4([p6 >> 8, p6 & 0xff, p7 >> 8, p7 & 0xff]) : null;
  return { address, embeddedIPv4 };
}

/** The usual spelling: dotted quad, or RFC 5952 IPv6. */
export function formatAddress(address: IpAddress): string {
  return address instanceof ipaddr.IPv4 ? address.toString() : address.toRFC5952String();
}
