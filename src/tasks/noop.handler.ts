import { TaskHandler } from './task-handler';

/** Does nothing and succeeds: the default, for tasks whose point is the event they emit. */
@TaskHandler('noop')
export class NoopHandler implements TaskHandler {
  run(): null {
    return null;
  }
}
