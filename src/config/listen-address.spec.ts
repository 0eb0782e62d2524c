import { loadEnvironment } from './environment';
import { accessNotice, accessSummary, listenAddressOf } from './listen-address';
import { schedulerOptionsFromEnvironment } from './scheduler-options';

const KEY = 'listen-key-0123456789abcdef';

describe('where the service listens', () => {
  it('with neither API_KEY nor HOST: protected mode, on 127.0.0.1, checking peers', () => {
    const env = loadEnvironment({});
    expect(env.HOST).toBeUndefined();
    expect(listenAddressOf(env)).toEqual({ host: '127.0.0.1', mode: 'protected' });
    expect(schedulerOptionsFromEnvironment(env).allowRemotePeers).toBe(false);
    const notice = accessNotice(listenAddressOf(env));
    expect(notice).toMatch(
      /^Protected mode: API_KEY and HOST are not set, so the service listens on 127\.0\.0\.1 only/,
    );
    expect(notice).toMatch(/set API_KEY .*or set HOST explicitly/);
  });

  it('treats an empty HOST as unset', () => {
    expect(listenAddressOf(loadEnvironment({ HOST: '' }))).toEqual({ host: '127.0.0.1', mode: 'protected' });
    expect(listenAddressOf(loadEnvironment({ HOST: '  ' }))).toEqual({
      host: '127.0.0.1',
      mode: 'protected',
    });
  });

  it('with HOST given and no key: listens there, for loopback names from any peer', () => {
    const env = loadEnvironment({ HOST: '0.0.0.0' });
    expect(listenAddressOf(env)).toEqual({ host: '0.0.0.0', mode: 'loopback-hosts' });
    expect(schedulerOptionsFromEnvironment(env).allowRemotePeers).toBe(true);
    expect(accessNotice(listenAddressOf(env))).toMatch(
      /^API_KEY is not set: listening on 0\.0\.0\.0 as HOST asks/,
    );
    // Given explicitly, even the default value counts as given.
    expect(listenAddressOf(loadEnvironment({ HOST: '127.0.0.1' })).mode).toBe('loopback-hosts');
  });

  it('with API_KEY: on HOST, 0.0.0.0 by default, without a notice', () => {
    expect(listenAddressOf(loadEnvironment({ API_KEY: KEY }))).toEqual({ host: '0.0.0.0', mode: 'api-key' });
    expect(listenAddressOf(loadEnvironment({ API_KEY: KEY, HOST: '::' }))).toEqual({
      host: '::',
      mode: 'api-key',
    });
    expect(accessNotice({ host: '0.0.0.0', mode: 'api-key' })).toBeNull();
  });

  it('sums the mode up for the ready line', () => {
    expect(accessSummary('protected')).toBe('protected mode: loopback only');
    expect(accessSummary('api-key')).toBe('API key required');
    expect(accessSummary('loopback-hosts')).toBe('no API key: loopback Host names only');
  });
});
