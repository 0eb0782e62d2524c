import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { EventAcceptedDto, PublishEventDto } from './dto/event.dto';
import { TaskSchedulerService } from './task-scheduler.service';

@ApiTags('events')
@Controller('api/events')
export class EventsController {
  constructor(private readonly scheduler: TaskSchedulerService) {}

  @Post(':name')
  @HttpCode(202)
  @ApiOperation({ summary: 'Publish an event: runs every task scheduled on:<name>' })
  publish(@Param('name') name: string, @Body() body: PublishEventDto): Promise<EventAcceptedDto> {
    return this.scheduler.publishEvent(name, body.payload);
  }
}
