import ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** One CIDR of a setting, as written (for messages) and parsed (for matching). */
export interface EgressRange {
  text: string;
  address: IpAddress;
  prefix: number;
}

/** A parsed `HTTP_EGRESS_DENY` / `HTTP_EGRESS_ALLOW` list: CIDRs, and host names where allowed. */
export interface EgressRuleList {
  ranges: EgressRange[];
  /** Lower case, no trailing dot; `*.example.com` matches every name below example.com. */
  hostNames: string[];
}

// A DNS name (labels of letters, digits and hyphens), optionally `*.` for every name below it.
const HOST_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** `"a, b,,c"` → `["a", "b", "c"]`. */
export function splitEgressSetting(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

function parseRange(entry: string): EgressRange | null {
  // Settings are written by people: only the plain spellings (four-part decimal, RFC 4291).
  const [base, bits, ...rest] = entry.split('/');
  if (rest.length > 0 || !base) return null;
  const isV4 = ipaddr.IPv4.isValidFourPartDecimal(base);
  if (!isV4 && !(ipaddr.IPv6.isValid(base) && !base.includes('%'))) return null;
  const max = isV4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return null;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return null;
  const address = ipaddr.parse(base);
  // Addresses are matched in their IPv4 form when IPv4-mapped, so a mapped range is too.
  if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() && prefix >= 96) {
    return { text: entry, address: address.toIPv4Address(), prefix: prefix - 96 };
  }
  return { text: entry, address, prefix };
}

/**
 * Parses the entries of one setting: a deny list takes CIDRs and addresses, an allow list host
 * names too, and must list something (an empty one would silently stop every webhook). Returns
 * what could be parsed and a message per entry that could not; the caller decides how a bad
 * setting stops start-up.
 */
export function parseEgressEntries(
  entries: readonly string[],
  setting: string,
  kind: 'deny' | 'allow',
): { list: EgressRuleList; problems: string[] } {
  const list: EgressRuleList = { ranges: [], hostNames: [] };
  const problems: string[] = [];
  const acceptHostNames = kind === 'allow';
  if (acceptHostNames && entries.length === 0) {
    problems.push(
      `${setting} must list at least one CIDR or host name (leave it unset to allow every address not denied)`,
    );
  }
  for (const raw of entries) {
    const entry = raw.trim();
    const range = parseRange(entry);
    if (range) {
      list.ranges.push(range);
      continue;
    }
    const name = entry.toLowerCase().replace(/\.$/, '');
    if (acceptHostNames && HOST_NAME.test(name) && !/^[\d.]+$/.test(name)) {
      list.hostNames.push(name);
      continue;
    }
    problems.push(
      acceptHostNames
        ? `${setting} must list CIDRs (such as 10.0.0.0/8 or fd00::/8), addresses or host names (got ${JSON.stringify(entry)})`
        : `${setting} must list CIDRs (such as 10.0.0.0/8 or fd00::/8) or addresses (got ${JSON.stringify(entry)})`,
    );
  }
  return { list, problems };
}
