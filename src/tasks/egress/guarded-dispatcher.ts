import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { lookup as dnsLookup, LookupAddress, LookupOptions } from 'node:dns';
import { isIP, LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { EgressPolicy } from './egress-policy';

/** A request the egress policy refused; its message names the policy and the address. */
export class EgressDeniedError extends Error {
  override name = 'EgressDeniedError';
  readonly code = 'EGRESS_DENIED';
}

/**
 * `dns.lookup` that hands the socket only the addresses the policy allows, so a name that
 * resolves (or is rebound) to a denied address is never connected to. It fails, naming the
 * refusals, when none is left.
 */
export function guardedLookup(policy: EgressPolicy, resolve = dnsLookup): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refusals: string[] = [];
      const allowed = addresses.filter(({ address }) => {
        const refusal = policy.refusalForAddress(address, hostname);
        if (refusal) refusals.push(refusal);
        return !refusal;
      });
      const [first] = allowed;
      if (!first) {
        const reason = refusals.length > 0 ? refusals.join('; ') : `${hostname} resolved to no address`;
        return callback(new EgressDeniedError(reason), '', 0);
      }
      if (options.all) return callback(null, allowed);
      callback(null, first.address, first.family);
    });
  };
}

/**
 * undici's connector with the policy in front of and behind the connection: a literal address
 * (which the socket connects to without a lookup) is checked before connecting, a host name
 * through `guardedLookup`, and the peer the socket actually reached once more before the first
 * byte of the request is written.
 */
export function guardedConnector(policy: EgressPolicy, resolve = dnsLookup): buildConnector.connector {
  const connect = buildConnector({ lookup: guardedLookup(policy, resolve) });
  return (options, callback) => {
    const literal = isIP(options.hostname) !== 0;
    const before = literal ? policy.refusalForAddress(options.hostname, null) : null;
    if (before) return callback(new EgressDeniedError(before), null);
    connect(options, (error, socket) => {
      if (error !== null) return callback(error, null);
      const peer = socket.remoteAddress;
      const after = peer
        ? policy.refusalForAddress(peer, literal ? null : options.hostname)
        : `${options.hostname} is denied by the egress policy (the connected address is unknown)`;
      if (after) {
        socket.destroy();
        return callback(new EgressDeniedError(after), null);
      }
      callback(null, socket);
    });
  };
}

/**
 * The HTTP client of the http handler: one undici `Agent` (keep-alive pool) whose every
 * connection passes the egress policy. Closed once the engine has drained its runs.
 */
@Injectable()
export class GuardedDispatcher implements OnApplicationShutdown {
  readonly agent: Agent;

  constructor(policy: EgressPolicy) {
    // No timeouts of undici's own (300 s by default): HTTP_HANDLER_TIMEOUT_SECONDS (up to a day)
    // and the run's timeout bound each call through its AbortSignal.
    this.agent = new Agent({ connect: guardedConnector(policy), headersTimeout: 0, bodyTimeout: 0 });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.destroy();
  }
}
