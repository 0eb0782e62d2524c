import { ValidationError, ValidationPipe } from '@nestjs/common';
import { REQUIRED_UNLESS } from './dto/either-field';

/**
 * A missing required field is one message, `<field> is required`, instead of every rule of the
 * field failing at once ("name must be a string; name must be longer than …"). Fields that are
 * optional are never validated when absent, so an error on an absent value means it is required
 * (or, for a field required unless another is given, that one of the two is).
 */
function requiredOnce(error: ValidationError): ValidationError {
  const children = error.children?.map(requiredOnce);
  const constraints = error.constraints;
  if (error.value === undefined && constraints && !('whitelistValidation' in constraints))
    return {
      ...error,
      children,
      constraints: { isDefined: constraints[REQUIRED_UNLESS] ?? `${error.property} is required` },
    };
  return children ? { ...error, children } : error;
}

/**
 * The scheduler's body, query and path validation: unknown fields refused, values converted to
 * the DTO's types, every failing field reported.
 */
export class ApiValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false });
  }

  protected override flattenValidationErrors(validationErrors: ValidationError[]): string[] {
    return super.flattenValidationErrors(validationErrors.map(requiredOnce));
  }
}
