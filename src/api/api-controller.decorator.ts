import { applyDecorators, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { ApiErrorResponses } from './api-error-responses.decorator';
import { ApiKeyGuard } from './api-key.guard';
import { DomainErrorFilter } from './domain-error.filter';
import { JsonInputPipe } from './json-input.pipe';
import { ApiValidationPipe } from './validation.pipe';

const jsonInput = new JsonInputPipe();
const validation = new ApiValidationPipe();

/**
 * What every controller of the scheduler carries itself rather than relying on the app's globals,
 * so its routes answer alike in the service and in any host app: the access check (an API key,
 * or loopback only without one), the input pipes, the error filter (resolved with DI: it reports
 * outages to `DatabaseState`), and the documentation of the errors any route can answer. The key
 * goes in `X-API-Key` or in `Authorization: Bearer`: two security requirements, either of which will do.
 */
export function ApiController(): ClassDecorator {
  return applyDecorators(
    UseGuards(ApiKeyGuard),
    UsePipes(jsonInput, validation),
    UseFilters(DomainErrorFilter),
    ApiSecurity('api-key'),
    ApiBearerAuth('bearer'),
    ApiErrorResponses(401, 403, 503),
  );
}
