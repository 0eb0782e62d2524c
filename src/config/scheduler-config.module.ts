import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { ApiKeyVerifier } from '../common/api-key.verifier';
import { SCHEDULER_OPTIONS, SchedulerOptions } from './scheduler-options';

/** Makes the resolved `SchedulerOptions` (and the API key check) injectable in every scheduler module. */
@Global()
@Module({})
export class SchedulerConfigModule {
  static forRoot(options: Provider, imports: DynamicModule['imports'] = []): DynamicModule {
    const apiKey: Provider = {
      provide: ApiKeyVerifier,
      inject: [SCHEDULER_OPTIONS],
      useFactory: (resolved: SchedulerOptions) => new ApiKeyVerifier(resolved.apiKey),
    };
    return {
      module: SchedulerConfigModule,
      imports,
      providers: [options, apiKey],
      exports: [SCHEDULER_OPTIONS, ApiKeyVerifier],
    };
  }
}
