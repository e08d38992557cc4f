/**
 * One MCP request served by the SDK: a fresh server and stateless transport per POST (cheap: the tool list is
 * static), with the tools bound to the authenticated caller. Loaded only when `/mcp` is first called.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Agent } from '../identity/agent.js';
import type { Logger } from '../lib/logger.js';
import type { Review } from '../reviews/model.js';
import { ResourceLookupError, type Discovery } from './discovery.js';
import type { KubeApi } from './kube-api.js';
import { text, type ToolResult } from './render.js';
import { ToolArgumentError, TOOLS, type ToolContext, type ToolSpec } from './tools.js';

export interface McpCallContext {
  agent: Agent;
  token: string;
  kube: KubeApi;
  discovery: Discovery;
  reviews: { get(id: string): Promise<Review | undefined> };
  logger: Logger;
}

const INSTRUCTIONS =
  "Kubernetes through Airlock. Every call runs with your identity under the operators' policy. Reads answer at " +
  'once, with secret values masked. Risky writes wait for on-call engineers to approve them in Slack: such a call ' +
  'answers with a review id; call the same tool again with the same arguments to keep waiting (it runs once ' +
  'approved, exactly once), or review_status to look. A denial names the reviewer and reason: change the approach ' +
  'instead of retrying. Always give a clear `reason` on writes; the reviewers read it.';

/**
 * Tool calls in flight, by caller token and JSON-RPC id. Stateless serving answers a client's
 * `notifications/cancelled` on a fresh POST, so the cancellation finds its call here (on this replica) and ends it:
 * a parked request then lets go at once instead of at the end of its hold.
 */
const calls = new Map<string, AbortController>();
const callKey = (tokenId: string, id: unknown): string => `${tokenId}\n${JSON.stringify(id)}`;

interface JsonRpcMessage {
  id?: unknown;
  method?: unknown;
  params?: { requestId?: unknown };
}

/** Registers the tool calls a POST carries and applies the cancellations it carries; returns the cleanup. */
function trackCalls(tokenId: string, body: unknown): () => void {
  const messages = (Array.isArray(body) ? body : [body]) as JsonRpcMessage[];
  const mine: [string, AbortController][] = [];
  for (const message of messages) {
    if (message?.method === 'notifications/cancelled' && message.params?.requestId !== undefined)
      calls
        .get(callKey(tokenId, message.params.requestId))
        ?.abort(new Error('the client cancelled the call'));
    if (message?.method === 'tools/call' && message.id !== undefined) {
      const key = callKey(tokenId, message.id);
      const controller = new AbortController();
      calls.set(key, controller);
      mine.push([key, controller]);
    }
  }
  // Two clients sharing a token may reuse an id: each removes only its own entry.
  return () => mine.forEach(([key, controller]) => calls.get(key) === controller && calls.delete(key));
}

async function runTool(spec: ToolSpec, args: unknown, ctx: ToolContext, logger: Logger): Promise<ToolResult> {
  try {
    return await spec.run(args as never, ctx);
  } catch (err) {
    if (err instanceof ToolArgumentError || err instanceof ResourceLookupError)
      return text(err.message, { isError: true });
    if (ctx.signal.aborted) throw err;
    logger.error({ tool: spec.name, agent: ctx.agent.name, err: (err as Error).message }, 'MCP tool failed');
    return text(`Airlock could not complete ${spec.name}: ${(err as Error).message}`, { isError: true });
  }
}

const cancellable = (signal: AbortSignal, call: AbortController | undefined): AbortSignal =>
  call ? AbortSignal.any([signal, call.signal]) : signal;

export async function serveMcpRequest(input: {
  req: IncomingMessage;
  res: ServerResponse;
  body: unknown;
  context: McpCallContext;
}): Promise<void> {
  const { context } = input;
  const server = new McpServer(
    { name: 'airlock', title: 'Airlock', version: '0.1.0' },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  );
  for (const spec of TOOLS) {
    server.registerTool(
      spec.name,
      {
        title: spec.title,
        description: spec.description,
        inputSchema: spec.input,
        annotations: { title: spec.title, ...spec.annotations },
      },
      (args: unknown, extra: { signal: AbortSignal; requestId: unknown }) =>
        runTool(
          spec,
          args,
          {
            kube: context.kube,
            discovery: context.discovery,
            reviews: context.reviews,
            agent: context.agent,
            token: context.token,
            signal: cancellable(extra.signal, calls.get(callKey(context.agent.tokenId, extra.requestId))),
          },
          context.logger,
        ),
    );
  }
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  const untrack = trackCalls(context.agent.tokenId, input.body);
  input.res.on('close', () => {
    untrack();
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(input.req, input.res, input.body);
}
