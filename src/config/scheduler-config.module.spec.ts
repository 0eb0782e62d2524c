import { Test } from '@nestjs/testing';
import { RequestAccess } from '../common/request-access';
import { SchedulerConfigModule } from './scheduler-config.module';
import { resolveSchedulerOptions, SCHEDULER_OPTIONS, SchedulerOptions } from './scheduler-options';

const KEY = 'module-key-0123456789abcdef';
const fromNetwork = { headers: { host: 'localhost:3000' }, remoteAddress: '192.168.1.20' };

async function accessFor(options: Partial<SchedulerOptions>): Promise<RequestAccess> {
  const module = await Test.createTestingModule({
    imports: [
      SchedulerConfigModule.forRoot({
        provide: SCHEDULER_OPTIONS,
        useValue: resolveSchedulerOptions(options),
      }),
    ],
  }).compile();
  return module.get(RequestAccess);
}

describe('SchedulerConfigModule', () => {
  it('without options: loopback only, peers checked (a host app on 0.0.0.0 stays local)', async () => {
    const access = await accessFor({});
    expect(access.check(fromNetwork)).toMatchObject({ allowed: false, statusCode: 403 });
    expect(access.check({ ...fromNetwork, remoteAddress: '127.0.0.1' })).toEqual({ allowed: true });
  });

  it('with allowRemotePeers and allowedOrigins, as the service passes HOST and CORS_ORIGINS', async () => {
    const access = await accessFor({ allowRemotePeers: true, allowedOrigins: ['http://dashboard.example'] });
    expect(access.check(fromNetwork)).toEqual({ allowed: true });
    const listed = {
      ...fromNetwork,
      headers: { ...fromNetwork.headers, origin: 'http://dashboard.example' },
    };
    expect(access.check(listed)).toEqual({ allowed: true });
  });

  it('with apiKey as a string or a list: a key from anywhere, 401 without', async () => {
    for (const apiKey of [KEY, [`${KEY}-old`, KEY]]) {
      const access = await accessFor({ apiKey });
      const remote = { headers: { host: 'scout.example' }, remoteAddress: '203.0.113.9' };
      expect(access.check({ ...remote, headers: { ...remote.headers, 'x-api-key': KEY } })).toEqual({
        allowed: true,
      });
      expect(access.check(remote)).toMatchObject({ allowed: false, statusCode: 401 });
    }
  });
});
