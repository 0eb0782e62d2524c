import { Controller, Delete, Get, Inject, Optional, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Request, Response } from 'express';
import { scoutVersion } from '../mcp/package-version';
import { createScoutMcpServer } from '../mcp/scout-mcp-server';
import { DatabaseState } from '../persistence/database-state.service';
import { ScheduleService } from '../scheduler/schedule.service';
import { TaskSchedulerService } from '../scheduler/task-scheduler.service';
import { ApiController } from './api-controller.decorator';
import { InProcessScoutBackend } from './in-process-scout-backend';

const VERSION = scoutVersion();

/**
 * The MCP server over Streamable HTTP, stateless: each POST gets a server and a transport of its
 * own, answered as JSON (no session to keep, so any instance behind a balancer can answer). With
 * no session there is no stream for a GET to open, nor a session for a DELETE to end: both are 405,
 * as the SDK's stateless example answers. It carries the API's key guard like every controller;
 * it is documented in docs/API.md, not in the OpenAPI document (its body is JSON-RPC).
 */
@ApiController()
@ApiExcludeController()
@Controller('mcp')
export class McpController {
  private readonly backend: InProcessScoutBackend;

  constructor(
    scheduler: TaskSchedulerService,
    schedules: ScheduleService,
    @Optional() @Inject(DatabaseState) outages?: DatabaseState | null,
  ) {
    this.backend = new InProcessScoutBackend(scheduler, schedules, outages ?? null);
  }

  @Post()
  async handle(@Req() request: Request, @Res() response: Response): Promise<void> {
    const server = createScoutMcpServer(this.backend, VERSION);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response, request.body);
  }

  @Get()
  openStream(@Res() response: Response): void {
    methodNotAllowed(response);
  }

  @Delete()
  endSession(@Res() response: Response): void {
    methodNotAllowed(response);
  }
}

function methodNotAllowed(response: Response): void {
  response
    .status(405)
    .setHeader('Allow', 'POST')
    .json({
      jsonrpc: '2.0',
      error: {
        code: -32000,
        message: 'Method not allowed: this server is stateless; POST JSON-RPC messages to /mcp',
      },
      id: null,
    });
}
