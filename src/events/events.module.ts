import { Module } from '@nestjs/common';
import { SchedulerEventEmitter } from './scheduler-event.emitter';

@Module({
  providers: [SchedulerEventEmitter],
  exports: [SchedulerEventEmitter],
})
export class EventsModule {}
