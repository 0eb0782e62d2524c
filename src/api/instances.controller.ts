import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard } from './api-key.guard';
import { InstanceDto } from './dto/instance.dto';
import { TaskSchedulerService } from '../scheduler/task-scheduler.service';

@UseGuards(ApiKeyGuard)
@ApiSecurity('api-key')
@ApiTags('instances')
@Controller('api/instances')
export class InstancesController {
  constructor(private readonly scheduler: TaskSchedulerService) {}

  @Get()
  @ApiOperation({ summary: 'The scheduler instances sharing this database, and whether each is alive' })
  list(): Promise<InstanceDto[]> {
    return this.scheduler.listInstances();
  }
}
