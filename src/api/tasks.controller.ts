import { ApiKeyGuard } from './api-key.guard';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { uuidParam } from './uuid-param.pipe';
import { PageQueryDto } from './dto/page-query.dto';
import { CreateTaskDto, TaskDto, TaskPageDto, UpdateTaskDto } from './dto/task.dto';
import { RunsQueryDto, TaskRunDto, TaskRunPageDto } from './dto/task-run.dto';
import { TaskSchedulerService } from '../scheduler/task-scheduler.service';

@UseGuards(ApiKeyGuard)
@ApiSecurity('api-key')
@ApiTags('tasks')
@Controller('api/tasks')
export class TasksController {
  constructor(private readonly scheduler: TaskSchedulerService) {}

  @Post()
  @ApiOperation({ summary: 'Create a task (optionally with a schedule spec)' })
  create(@Body() body: CreateTaskDto): Promise<TaskDto> {
    return this.scheduler.createTask(body);
  }

  @Get()
  @ApiOperation({ summary: 'List tasks, oldest first' })
  list(@Query() query: PageQueryDto): Promise<TaskPageDto> {
    return this.scheduler.listTasks(query.limit, query.cursor);
  }

  @Get(':id')
  get(@Param('id', uuidParam('id')) id: string): Promise<TaskDto> {
    return this.scheduler.getTask(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a task (name, description, handler, payload)' })
  update(@Param('id', uuidParam('id')) id: string, @Body() body: UpdateTaskDto): Promise<TaskDto> {
    return this.scheduler.updateTask(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a task; cancels its schedule, keeps its runs' })
  delete(@Param('id', uuidParam('id')) id: string): Promise<void> {
    return this.scheduler.deleteTask(id);
  }

  @Post(':id/run')
  @HttpCode(202)
  @ApiOperation({ summary: 'Run the task now, outside its schedule' })
  run(@Param('id', uuidParam('id')) id: string): Promise<TaskRunDto> {
    return this.scheduler.runNow(id);
  }

  @Get(':id/runs')
  @ApiOperation({ summary: "The task's runs, newest first" })
  runs(@Param('id', uuidParam('id')) id: string, @Query() query: RunsQueryDto): Promise<TaskRunPageDto> {
    return this.scheduler.getTaskRuns(id, query);
  }
}
