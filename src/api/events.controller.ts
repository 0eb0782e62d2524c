import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiBodyErrors } from './api-error-responses.decorator';
import { ApiController } from './api-controller.decorator';
import { CHAIN_DEPTH_HEADER, EventAcceptedDto, parseChainDepth, PublishEventDto } from './dto/event.dto';
import { TaskSchedulerService } from '../scheduler/task-scheduler.service';

@ApiController()
@ApiTags('events')
@Controller('api/events')
export class EventsController {
  constructor(private readonly scheduler: TaskSchedulerService) {}

  @Post(':name')
  @HttpCode(202)
  @ApiOperation({ summary: 'Publish an event: runs every task scheduled on:<name>' })
  @ApiParam({
    name: 'name',
    description: 'The event name tasks are scheduled on (`on:<name>`)',
    example: 'deploy',
  })
  @ApiBodyErrors()
  @ApiHeader({
    name: 'X-Scout-Chain-Depth',
    required: false,
    description:
      'When a run publishes the event (e.g. a webhook answering a call of the http handler), the ' +
      'X-Scout-Chain-Depth it was called with; the runs the event fires are one deeper, and past ' +
      'SCHEDULER_MAX_CHAIN_DEPTH they are recorded skipped. A non-negative integer; absent: 0.',
    schema: { type: 'integer', minimum: 0, example: 0 },
  })
  publish(
    @Param('name') name: string,
    @Body() body: PublishEventDto,
    @Headers(CHAIN_DEPTH_HEADER) chainDepth: string | undefined,
  ): Promise<EventAcceptedDto> {
    return this.scheduler.publishEvent(name, body.payload, { chainDepth: parseChainDepth(chainDepth) });
  }
}
