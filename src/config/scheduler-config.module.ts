import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { SCHEDULER_OPTIONS } from './scheduler-options';

/** Makes the resolved `SchedulerOptions` injectable in every scheduler module. */
@Global()
@Module({})
export class SchedulerConfigModule {
  static forRoot(options: Provider, imports: DynamicModule['imports'] = []): DynamicModule {
    return {
      module: SchedulerConfigModule,
      imports,
      providers: [options],
      exports: [SCHEDULER_OPTIONS],
    };
  }
}
