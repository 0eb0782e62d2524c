import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiBodyErrors, ApiErrorResponses } from './api-error-responses.decorator';
import { ApiController } from './api-controller.decorator';
import { ApiUuidParam, uuidParam } from './uuid-param.pipe';
import { PageQueryDto } from './dto/page-query.dto';
import { PreviewDto, PreviewQueryDto } from './dto/preview.dto';
import { CreateScheduleDto, ScheduleDto, SchedulePageDto } from './dto/schedule.dto';
import { ScheduleService } from '../scheduler/schedule.service';
import { TaskSchedulerService } from '../scheduler/task-scheduler.service';

@ApiController()
@ApiTags('schedules')
@Controller('api')
export class SchedulesController {
  constructor(
    private readonly scheduler: TaskSchedulerService,
    private readonly schedules: ScheduleService,
  ) {}

  @Post('tasks/:taskId/schedule')
  @ApiOperation({ summary: "Schedule a task (replaces the task's schedule)" })
  @ApiUuidParam('taskId')
  @ApiBodyErrors()
  @ApiErrorResponses(404)
  create(
    @Param('taskId', uuidParam('taskId')) taskId: string,
    @Body() body: CreateScheduleDto,
  ): Promise<ScheduleDto> {
    return this.schedules.schedule(taskId, body);
  }

  @Get('tasks/:taskId/schedule')
  @ApiOperation({ summary: "Get a task's schedule" })
  @ApiUuidParam('taskId')
  @ApiErrorResponses(400, 404)
  get(@Param('taskId', uuidParam('taskId')) taskId: string): Promise<ScheduleDto> {
    return this.scheduler.getTaskSchedule(taskId);
  }

  @Delete('tasks/:taskId/schedule')
  @HttpCode(204)
  @ApiOperation({ summary: "Cancel a task's schedule" })
  @ApiUuidParam('taskId')
  @ApiErrorResponses(400, 404)
  cancel(@Param('taskId', uuidParam('taskId')) taskId: string): Promise<void> {
    return this.scheduler.cancelTask(taskId);
  }

  @Post('tasks/:taskId/schedule/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause a schedule: nothing fires until it is resumed' })
  @ApiUuidParam('taskId')
  @ApiErrorResponses(400, 404, 415)
  pause(@Param('taskId', uuidParam('taskId')) taskId: string): Promise<ScheduleDto> {
    return this.scheduler.pauseTask(taskId);
  }

  @Post('tasks/:taskId/schedule/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a paused schedule (fires due while paused are skipped)' })
  @ApiUuidParam('taskId')
  @ApiErrorResponses(400, 404, 415)
  resume(@Param('taskId', uuidParam('taskId')) taskId: string): Promise<ScheduleDto> {
    return this.scheduler.resumeTask(taskId);
  }

  @Get('schedules')
  @ApiOperation({ summary: 'List all schedules, oldest first' })
  @ApiErrorResponses(400)
  list(@Query() query: PageQueryDto): Promise<SchedulePageDto> {
    return this.scheduler.listSchedules(query);
  }

  @Get('schedules/preview')
  @ApiOperation({ summary: 'Check a spec: its type, description and next fire times' })
  @ApiErrorResponses(400)
  preview(@Query() query: PreviewQueryDto): PreviewDto {
    return this.schedules.preview(query);
  }
}
