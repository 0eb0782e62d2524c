import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { RequestAccess } from '../common/request-access';

/**
 * The module's own gate on its routes, in the service and in any host app: with API keys, 401
 * without one of them; without keys, 403 unless the request is loopback (peer, Host and Origin),
 * so a host app listening on 0.0.0.0 does not open the scheduler to its network.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(RequestAccess) private readonly access: RequestAccess) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const verdict = this.access.check({
      headers: request.headers,
      remoteAddress: request.socket?.remoteAddress,
    });
    if (verdict.allowed) return true;
    if (verdict.statusCode === 401) throw new UnauthorizedException(verdict.message);
    throw new ForbiddenException(verdict.message);
  }
}
