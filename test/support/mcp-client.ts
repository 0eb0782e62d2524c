import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** The tools every transport lists, in order. */
export const SCOUT_TOOL_NAMES = [
  'schedule_task',
  'preview_schedule',
  'list_tasks',
  'get_task',
  'get_task_runs',
  'pause_schedule',
  'resume_schedule',
  'cancel_schedule',
  'run_task_now',
  'publish_event',
  'delete_task',
];

export interface ToolAnswer {
  isError: boolean;
  text: string;
  // Parsed JSON, read freely as the REST tests read supertest bodies.
  json: ReturnType<typeof JSON.parse>;
}

/** Calls a tool and reads its one text content as JSON. */
export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<ToolAnswer> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = (result.content[0] as { text: string }).text;
  return { isError: result.isError === true, text, json: JSON.parse(text) };
}

/** An SDK client connected to `<baseUrl>/mcp` over Streamable HTTP, sending `headers`. */
export async function connectOverHttp(baseUrl: string, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'e2e-http', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), { requestInit: { headers } }),
  );
  return client;
}

/** The REST API's answer to the same question, to compare with a tool's: status and body. */
export async function restCall(
  baseUrl: string,
  apiKey: string,
  method: string,
  path: string,
  body?: unknown,
) {
  const response = await fetch(baseUrl + path, {
    method,
    headers: { 'x-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
