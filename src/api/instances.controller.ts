import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SchedulerController } from './scheduler-controller.decorator';
import { InstanceDto } from './dto/instance.dto';
import { TaskSchedulerService } from '../scheduler/task-scheduler.service';

@SchedulerController()
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
