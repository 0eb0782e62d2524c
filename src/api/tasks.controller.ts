import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiBodyErrors, ApiErrorResponses } from './api-error-responses.decorator';
import { ApiController } from './api-controller.decorator';
import { ApiUuidParam, uuidParam } from './uuid-param.pipe';
import { PageQueryDto } from './dto/page-query.dto';
import { CreateTaskDto, TaskDto, TaskPageDto, UpdateTaskDto } from './dto/task.dto';
import { RunsQueryDto, TaskRunDto, TaskRunPageDto } from './dto/task-run.dto';
import { TaskSchedulerService } from '../scheduler/task-scheduler.service';

@ApiController()
@ApiTags('tasks')
@Controller('api/tasks')
export class TasksController {
  constructor(private readonly scheduler: TaskSchedulerService) {}

  @Post()
  @ApiOperation({ summary: 'Create a task (optionally with a schedule spec)' })
  @ApiBodyErrors()
  create(@Body() body: CreateTaskDto): Promise<TaskDto> {
    return this.scheduler.createTask(body);
  }

  @Get()
  @ApiOperation({ summary: 'List tasks, oldest first' })
  @ApiErrorResponses(400)
  list(@Query() query: PageQueryDto): Promise<TaskPageDto> {
    return this.scheduler.listTasks(query.limit, query.cursor);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a task, with its next fire and its last run' })
  @ApiUuidParam('id')
  @ApiErrorResponses(400, 404)
  get(@Param('id', uuidParam('id')) id: string): Promise<TaskDto> {
    return this.scheduler.getTask(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a task (name, description, handler, payload)' })
  @ApiUuidParam('id')
  @ApiBodyErrors()
  @ApiErrorResponses(404)
  update(@Param('id', uuidParam('id')) id: string, @Body() body: UpdateTaskDto): Promise<TaskDto> {
    return this.scheduler.updateTask(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a task; cancels its schedule, keeps its runs' })
  @ApiUuidParam('id')
  @ApiErrorResponses(400, 404)
  delete(@Param('id', uuidParam('id')) id: string): Promise<void> {
    return this.scheduler.deleteTask(id);
  }

  @Post(':id/run')
  @HttpCode(202)
  @ApiOperation({ summary: 'Run the task now, outside its schedule' })
  @ApiUuidParam('id')
  @ApiErrorResponses(400, 404, 409, 415)
  run(@Param('id', uuidParam('id')) id: string): Promise<TaskRunDto> {
    return this.scheduler.runNow(id);
  }

  @Get(':id/runs')
  @ApiOperation({ summary: "The task's runs, newest first" })
  @ApiUuidParam('id')
  @ApiErrorResponses(400, 404)
  runs(@Param('id', uuidParam('id')) id: string, @Query() query: RunsQueryDto): Promise<TaskRunPageDto> {
    return this.scheduler.getTaskRuns(id, query);
  }
}
