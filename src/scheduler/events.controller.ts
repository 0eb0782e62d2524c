import { ApiKeyGuard } from '../common/api-key.guard';
import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { EventAcceptedDto, PublishEventDto } from './dto/event.dto';
import { TaskSchedulerService } from './task-scheduler.service';

@UseGuards(ApiKeyGuard)
@ApiSecurity('api-key')
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
