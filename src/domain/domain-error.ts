/**
 * Every failure the service means to report to a caller carries one of these codes. The HTTP
 * layer maps each code to a status in one place (`DomainErrorFilter`), so the domain never
 * speaks HTTP and no code can be forgotten.
 */
export enum ErrorCode {
  InvalidSchedule = 'INVALID_SCHEDULE',
  InvalidInput = 'INVALID_INPUT',
  UnknownHandler = 'UNKNOWN_HANDLER',
  TaskNotFound = 'TASK_NOT_FOUND',
  ScheduleNotFound = 'SCHEDULE_NOT_FOUND',
  Conflict = 'CONFLICT',
}

export class DomainError extends Error {
  override name = 'DomainError';

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A schedule spec, time zone or bound that cannot be accepted; the message says what is expected. */
export class InvalidScheduleError extends DomainError {
  override name = 'InvalidScheduleError';

  constructor(message: string) {
    super(ErrorCode.InvalidSchedule, message);
  }
}

export function assertUnreachable(value: never): never {
  throw new Error(`Unhandled value: ${JSON.stringify(value)}`);
}
