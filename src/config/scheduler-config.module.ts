import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { ApiKeyVerifier } from '../common/api-key.verifier';
import { RequestAccess } from '../common/request-access';
import { SCHEDULER_OPTIONS, SchedulerOptions } from './scheduler-options';

/** Makes the resolved `SchedulerOptions` (and who may call the API) injectable in every scheduler module. */
@Global()
@Module({})
export class SchedulerConfigModule {
  static forRoot(options: Provider, imports: DynamicModule['imports'] = []): DynamicModule {
    const access: Provider = {
      provide: RequestAccess,
      inject: [SCHEDULER_OPTIONS],
      useFactory: (resolved: SchedulerOptions) =>
        new RequestAccess(new ApiKeyVerifier(resolved.apiKey), {
          allowedOrigins: resolved.allowedOrigins ?? [],
          checkPeer: !resolved.allowRemotePeers,
        }),
    };
    return {
      module: SchedulerConfigModule,
      imports,
      providers: [options, access],
      exports: [SCHEDULER_OPTIONS, RequestAccess],
    };
  }
}
