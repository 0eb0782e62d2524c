import { Module } from '@nestjs/common';
import { SchedulerEventEmitter } from './scheduler-event.emitter';
import { SchedulerEventsGateway } from './scheduler-events.gateway';

@Module({
  providers: [SchedulerEventEmitter, SchedulerEventsGateway],
  exports: [SchedulerEventEmitter, SchedulerEventsGateway],
})
export class EventsModule {}
