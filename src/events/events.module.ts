import { Module } from '@nestjs/common';
import { SchedulerEventEmitter } from './scheduler-event.emitter';
import { EventsGateway } from './events.gateway';

@Module({
  providers: [SchedulerEventEmitter, EventsGateway],
  exports: [SchedulerEventEmitter, EventsGateway],
})
export class EventsModule {}
