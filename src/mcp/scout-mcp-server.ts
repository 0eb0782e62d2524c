import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ScoutBackend } from './scout-backend';
import { errorResult, jsonResult } from './tool-result';
import { scheduleTaskTool } from './tools/schedule-task.tool';
import {
  cancelScheduleTool,
  pauseScheduleTool,
  previewScheduleTool,
  resumeScheduleTool,
} from './tools/schedule-tools';
import type { ScoutTool } from './tools/scout-tool';
import {
  deleteTaskTool,
  getTaskRunsTool,
  getTaskTool,
  listTasksTool,
  publishEventTool,
  runTaskNowTool,
} from './tools/task-tools';

/** Every tool, in the order a client lists them. */
export const SCOUT_TOOLS: readonly ScoutTool[] = [
  scheduleTaskTool,
  previewScheduleTool,
  listTasksTool,
  getTaskTool,
  getTaskRunsTool,
  pauseScheduleTool,
  resumeScheduleTool,
  cancelScheduleTool,
  runTaskNowTool,
  publishEventTool,
  deleteTaskTool,
];

export const SCOUT_MCP_INSTRUCTIONS =
  'Scout Scheduler runs tasks on schedules that survive restarts, exactly once. To schedule ' +
  'follow-up work, call schedule_task with dryRun: true, confirm the interpretation with the ' +
  'user, then call it again without dryRun. Read outcomes with get_task_runs.';

/**
 * An MCP server offering the scheduler's tools over `backend`: the typed client (stdio) or the
 * service's own use cases (`/mcp`). A refusal becomes a tool error carrying the API's message.
 */
export function createScoutMcpServer(backend: ScoutBackend, version: string): McpServer {
  const server = new McpServer(
    { name: 'scout-scheduler', version },
    { capabilities: { tools: {} }, instructions: SCOUT_MCP_INSTRUCTIONS },
  );
  for (const tool of SCOUT_TOOLS) {
    const { name, title, description, inputSchema, annotations } = tool;
    server.registerTool(name, { title, description, inputSchema, annotations }, async (args) => {
      try {
        return jsonResult(await tool.run(backend, args));
      } catch (error) {
        return errorResult(error);
      }
    });
  }
  return server;
}
