import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiController } from './api-controller.decorator';
import { InstanceDto } from './dto/instance.dto';
import { TaskSchedulerService } from '../scheduler/task-scheduler.service';

@ApiController()
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
