import ipaddr from 'ipaddr.js';
import { EgressRange, EgressRuleList, IpAddress } from '../../config/egress-rules';
import { egressRulesOf, type SchedulerOptions } from '../../config/scheduler-options';
import { formatAddress, normaliseAddress, NormalisedAddress, parseAddressLiteral } from './address-literal';

/** Never called, whatever the settings say: the ranges through which a webhook reads the host's secrets. */
const ALWAYS_DENIED: ReadonlyArray<readonly [cidr: string, label: string]> = [
  ['0.0.0.0/8', 'this network, 0.0.0.0/8'],
  ['169.254.0.0/16', 'link-local'],
  ['100.100.100.200/32', 'cloud metadata'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['::/128', 'unspecified'],
  ['fe80::/10', 'link-local'],
  ['fd00:ec2::254/128', 'cloud metadata'],
  ['ff00::/8', 'multicast'],
];

interface LabelledRange {
  range: [IpAddress, number];
  label: string;
}

const ALWAYS_DENIED_RANGES: LabelledRange[] = ALWAYS_DENIED.map(([cidr, label]) => ({
  range: ipaddr.parseCIDR(cidr),
  label,
}));

function inRange(address: IpAddress, range: [IpAddress, number]): boolean {
  return address.kind() === range[0].kind() && address.match(range);
}

function firstMatch(
  ranges: readonly LabelledRange[],
  { address, embeddedIPv4 }: NormalisedAddress,
): LabelledRange | undefined {
  return (
    ranges.find((entry) => inRange(address, entry.range)) ??
    (embeddedIPv4 ? ranges.find((entry) => inRange(embeddedIPv4, entry.range)) : undefined)
  );
}

function cidr(range: EgressRange): [IpAddress, number] {
  return [range.address, range.prefix];
}

/**
 * Which addresses the http handler may call. Always denied: link-local, cloud metadata, 0.0.0.0/8,
 * multicast, broadcast, unspecified. `HTTP_EGRESS_DENY` adds ranges. `HTTP_EGRESS_ALLOW`, when set,
 * replaces the default "everything else" with its CIDRs and host names. The always-denied list wins
 * over both. Built once from the options; pure.
 */
export class EgressPolicy {
  private readonly deny: LabelledRange[];
  private readonly allowRanges: [IpAddress, number][] | null;
  private readonly allowNames: string[];

  constructor(deny: EgressRuleList, allow: EgressRuleList | null) {
    this.deny = deny.ranges.map((range) => ({
      range: cidr(range),
      label: `in HTTP_EGRESS_DENY: ${range.text}`,
    }));
    this.allowRanges = allow ? allow.ranges.map(cidr) : null;
    this.allowNames = allow?.hostNames ?? [];
  }

  /** From `httpEgressDeny` / `httpEgressAllow`; a bad entry is a `ConfigurationError` naming it. */
  static fromOptions(options: Pick<SchedulerOptions, 'httpEgressDeny' | 'httpEgressAllow'>): EgressPolicy {
    const { deny, allow } = egressRulesOf(options);
    return new EgressPolicy(deny, allow);
  }

  /**
   * Checked when a task is saved and before each request of a run (every redirect hop): a literal
   * address by the ranges, a host name by `HTTP_EGRESS_ALLOW` when set. Returns why the URL is
   * refused, or null. A host name passing here is checked again on the address it resolves to.
   */
  refusalForUrl(url: URL): string | null {
    const literal = parseAddressLiteral(url.hostname);
    if (literal) return this.refusal(literal, null);
    const name = url.hostname.toLowerCase().replace(/\.$/, '');
    if (this.allowRanges && !this.nameAllowed(name)) {
      return `${name} is denied by the egress policy (not in HTTP_EGRESS_ALLOW)`;
    }
    return null;
  }

  /**
   * Checked on the address actually connected to (after DNS). `hostName`, when the address was
   * resolved from one, lets a name listed in `HTTP_EGRESS_ALLOW` through (but never past a denial).
   */
  refusalForAddress(address: string | IpAddress, hostName: string | null): string | null {
    const parsed = typeof address === 'string' ? parseAddressLiteral(address) : normaliseAddress(address);
    if (!parsed) return `${String(address)} is denied by the egress policy (not an IP address)`;
    return this.refusal(parsed, hostName);
  }

  private refusal(address: NormalisedAddress, hostName: string | null): string | null {
    const subject = hostName
      ? `${hostName} (${formatAddress(address.address)})`
      : formatAddress(address.address);
    // The always-denied list is read first: it wins over both settings.
    const denied = firstMatch(ALWAYS_DENIED_RANGES, address) ?? firstMatch(this.deny, address);
    if (denied) return `${subject} is denied by the egress policy (${denied.label})`;
    if (!this.allowRanges) return null;
    if (this.allowRanges.some((range) => inRange(address.address, range))) return null;
    if (hostName && this.nameAllowed(hostName.toLowerCase().replace(/\.$/, ''))) return null;
    return `${subject} is denied by the egress policy (not in HTTP_EGRESS_ALLOW)`;
  }

  private nameAllowed(name: string): boolean {
    return this.allowNames.some((entry) =>
      entry.startsWith('*.') ? name.endsWith(entry.slice(1)) : name === entry,
    );
  }
}
