import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DatabaseState } from '../persistence/database-state.service';
import { SCOUT_DATA_SOURCE } from '../persistence/scout-data-source';

/** Both open even with API_KEY: orchestrators poll them. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly state: DatabaseState,
    @InjectDataSource(SCOUT_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  /**
   * Readiness: 200 when the database answers a ping, 503 naming the database otherwise (at once,
   * without a ping, while an outage is known). The process itself keeps running meanwhile.
   */
  @Get()
  @ApiOkResponse({ description: 'ready: the database answers' })
  @ApiServiceUnavailableResponse({ description: 'the database is unreachable' })
  async check(): Promise<HealthCheckResult> {
    const outage = this.state.outage;
    if (outage)
      throw this.unavailable(`database unreachable since ${outage.since.toISOString()} (${outage.reason})`);
    try {
      return await this.ping();
    } catch (error) {
      this.state.report(error);
      throw this.unavailable('database did not answer its ping');
    }
  }

  /** Liveness: 200 as long as the process runs and serves HTTP, whatever the database does. */
  @Get('live')
  @ApiOkResponse({ description: 'the process is running' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  private ping(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.pingCheck('database', { connection: this.dataSource, timeout: 3000 }),
    ]);
  }

  private unavailable(message: string): ServiceUnavailableException {
    return new ServiceUnavailableException({ statusCode: 503, error: 'Service Unavailable', message });
  }
}
