import { Module } from '@nestjs/common';
import { SchedulerEventEmitter } from './scheduler-event.emitter';

/**
 * The lifecycle events' emitter, for the scheduler and for host modules that listen. The
 * Socket.IO gateway that relays them is the scheduler module's own provider: it reads the
 * cluster's membership.
 */
@Module({
  providers: [SchedulerEventEmitter],
  exports: [SchedulerEventEmitter],
})
export class EventsModule {}
