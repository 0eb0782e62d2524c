import { Injectable, Logger } from '@nestjs/common';
import { SchedulerEventMap, SchedulerEventName } from './event-payloads';

type Listener = <K extends SchedulerEventName>(name: K, payload: SchedulerEventMap[K]) => void;

/**
 * The scheduler's outbox for lifecycle events. The scheduler only ever talks to this emitter —
 * never to the Socket.IO gateway — and a listener that throws cannot break a run.
 */
@Injectable()
export class SchedulerEventEmitter {
  private readonly logger = new Logger(SchedulerEventEmitter.name);
  private readonly listeners = new Set<Listener>();

  emit<K extends SchedulerEventName>(name: K, payload: SchedulerEventMap[K]): void {
    for (const listener of this.listeners) {
      try {
        listener(name, payload);
      } catch (error) {
        this.logger.error(`A ${name} listener failed: ${(error as Error).message}`);
      }
    }
  }

  /** Returns a function that removes the listener. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
