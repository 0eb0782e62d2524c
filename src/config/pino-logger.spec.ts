import { Writable } from 'node:stream';
import { pino } from 'pino';
import { PinoLogger, requestLoggers } from './pino-logger';

describe('PinoLogger', () => {
  let lines: Array<Record<string, unknown>>;
  let root: pino.Logger;
  let logger: PinoLogger;

  beforeEach(() => {
    lines = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    root = pino({ level: 'info' }, sink);
    logger = new PinoLogger(root);
  });

  it('writes a JSON line with the Nest context as `context` and the level of the method', () => {
    logger.log('Task handlers: noop, http', 'TaskHandlerRegistry');
    logger.warn('no context');
    logger.fatal('down', 'Database');

    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        context: 'TaskHandlerRegistry',
        msg: 'Task handlers: noop, http',
      }),
      expect.objectContaining({ level: 40, msg: 'no context' }),
      expect.objectContaining({ level: 60, context: 'Database', msg: 'down' }),
    ]);
    expect(lines[1]).not.toHaveProperty('context');
  });

  it('keeps below-level lines out (verbose is trace, debug is debug)', () => {
    logger.verbose('hidden', 'X');
    logger.debug('hidden too', 'X');
    expect(lines).toEqual([]);
  });

  it('logs an Error as `err`, and merges an object into the line', () => {
    logger.error(new Error('boom'), 'RunExecutor');
    logger.log({ msg: 'structured', runs: 3 }, 'RunJournal');

    expect(lines[0]).toMatchObject({ level: 50, context: 'RunExecutor', err: { message: 'boom' } });
    expect(lines[1]).toMatchObject({ level: 30, context: 'RunJournal', msg: 'structured', runs: 3 });
  });

  it("turns Nest's error(message, stack, context) into one error with that stack", () => {
    const stack = 'Error: lost\n    at somewhere (file.js:1:1)';
    logger.error('lost', stack, 'ExceptionsHandler');

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ context: 'ExceptionsHandler', err: { message: 'lost', stack } });
  });

  it("writes through the served request's logger, so the line carries the request's fields", () => {
    requestLoggers.run(root.child({ req: { id: 'req-7' } }), () => logger.warn('slow', 'Api'));
    logger.warn('outside', 'Api');

    expect(lines[0]).toMatchObject({ req: { id: 'req-7' }, msg: 'slow', context: 'Api' });
    expect(lines[1]).not.toHaveProperty('req');
  });
});
