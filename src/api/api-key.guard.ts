import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { ApiKeyVerifier } from '../common/api-key.verifier';

/** With API_KEY set, a request without the right `X-API-Key` header is a 401. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly verifier: ApiKeyVerifier) {}

  canActivate(context: ExecutionContext): boolean {
    const presented = context.switchToHttp().getRequest<Request>().header('x-api-key');
    if (this.verifier.accepts(presented)) return true;
    throw new UnauthorizedException(presented ? 'wrong X-API-Key' : 'missing X-API-Key header');
  }
}
