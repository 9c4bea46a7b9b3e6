import { BadRequestException } from '@nestjs/common';
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';

import type { ToolDefinition } from '../tool-definition';
import type { ToolOutcome } from '../tool-invoker';
import { ToolsErrorCode, ToolsException } from '../tools.exception';
import {
  errorDetailsInMeta,
  failureResult,
  outcomeOf,
  refusedCallAnswer,
  toolResult,
} from './mcp-tool-result';

const tool: ToolDefinition = {
  name: 'report',
  description: 'A report',
  inputSchema: { type: 'object' },
  scopes: ['r'],
  source: 'file',
};

function upstream(status: number, body: string, contentType = 'application/json'): ToolOutcome {
  return { kind: 'upstream', tool, response: { status, contentType, body: Buffer.from(body) } };
}

function thrownFrom(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('toolResult', () => {
  it('returns a JSON object body as text and as structuredContent', () => {
    expect(toolResult(upstream(200, '{"total":3}', 'application/json; charset=utf-8'), 'rid')).toEqual({
      content: [{ type: 'text', text: '{"total":3}' }],
      structuredContent: { total: 3 },
    });
  });

  it.each([
    ['a JSON array', '[1,2]', 'application/json'],
    ['plain text', 'hello', 'text/plain'],
    ['JSON sent as text/plain', '{"a":1}', 'text/plain'],
  ])('returns %s as text only', (_what, body, contentType) => {
    expect(toolResult(upstream(200, body, contentType), 'rid')).toEqual({
      content: [{ type: 'text', text: body }],
    });
  });

  it("turns a backend's 4xx/5xx into a tool error with the status, a bounded excerpt and the request id", () => {
    const result = toolResult(upstream(404, `{"error":"missing","detail":"${'x'.repeat(600)}"}`), 'rid-1');

    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({
      error: 'upstream_error',
      tool: 'report',
      status: 404,
      requestId: 'rid-1',
    });
    const text = (result.content[0] as { text: string }).text;
    expect(text).toMatch(
      /^The backend of "report" answered HTTP 404: \{"error":"missing".*… \(request id: rid-1\)$/,
    );
    expect(text.length).toBeLessThan(600);
  });

  it('returns an in-process string as is and an object as JSON text plus structuredContent', () => {
    expect(toolResult({ kind: 'in-process', tool, value: 'done' }, 'rid')).toEqual({
      content: [{ type: 'text', text: 'done' }],
    });
    expect(toolResult({ kind: 'in-process', tool, value: { at: new Date(0) } }, 'rid')).toEqual({
      content: [{ type: 'text', text: '{"at":"1970-01-01T00:00:00.000Z"}' }],
      structuredContent: { at: '1970-01-01T00:00:00.000Z' },
    });
    expect(toolResult({ kind: 'in-process', tool, value: undefined }, 'rid')).toEqual({
      content: [{ type: 'text', text: 'null' }],
    });
  });
});

describe('failureResult', () => {
  it('makes an unknown tool a JSON-RPC invalid params error', () => {
    const error = thrownFrom(() =>
      failureResult(
        new ToolsException(ToolsErrorCode.UNKNOWN_TOOL, 'nope', 'Unknown tool "nope"'),
        'nope',
        'rid',
      ),
    );

    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toMatchObject({ code: ProtocolErrorCode.InvalidParams });
  });

  it('makes invalid arguments a tool error carrying the violations', () => {
    const violations = [{ path: '/q', message: 'must be string' }];
    const failure = new ToolsException(ToolsErrorCode.INVALID_ARGUMENTS, 'report', 'Arguments do not match', {
      violations,
    });

    expect(failureResult(failure, 'report', 'rid')).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'Arguments do not match (request id: rid)' }],
      structuredContent: {
        error: 'invalid_arguments',
        code: 'INVALID_ARGUMENTS',
        tool: 'report',
        violations,
        message: 'Arguments do not match',
        requestId: 'rid',
      },
    });
  });

  it("keeps an in-process tool's HTTP status and message", () => {
    const result = failureResult(new BadRequestException('Unknown time zone "X"'), 'current_time', 'rid');

    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({
      error: 'invalid_request',
      status: 400,
      tool: 'current_time',
    });
    expect((result.content[0] as { text: string }).text).toBe(
      'Tool "current_time" failed with HTTP 400: Unknown time zone "X" (request id: rid)',
    );
  });

  it("never repeats an unexpected error's own text", () => {
    const result = failureResult(new Error('password=hunter2 at /srv/app.js:12'), 'report', 'rid');

    expect(JSON.stringify(result)).not.toContain('hunter2');
    expect((result.content[0] as { text: string }).text).toMatch(
      /failed with HTTP 500: Internal error; quote the request id/,
    );
  });
});

describe('errorDetailsInMeta', () => {
  it("moves a tool error's details from structuredContent to _meta, keeping the text", () => {
    const result = failureResult(new Error('boom'), 'report', 'rid');

    expect(errorDetailsInMeta(result)).toEqual({
      isError: true,
      content: result.content,
      _meta: { 'connector-gateway/error': result.structuredContent },
    });
  });
});

describe('refusedCallAnswer', () => {
  const body = {
    error: 'insufficient_scope',
    code: 'INSUFFICIENT_SCOPE',
    message: 'Needs notes:read',
    requestId: 'rid',
  };
  const challenge = 'Bearer error="insufficient_scope", scope="notes:read", resource_metadata="https://gw/x"';

  it('answers the call with a tool error carrying the challenge in _meta["mcp/www_authenticate"] (Apps SDK)', () => {
    expect(refusedCallAnswer(7, body, challenge, false)).toEqual({
      jsonrpc: '2.0',
      id: 7,
      result: {
        isError: true,
        content: [{ type: 'text', text: 'Needs notes:read (request id: rid)' }],
        structuredContent: body,
        _meta: { 'mcp/www_authenticate': [challenge] },
      },
    });
  });

  it('keeps structuredContent out for a tool with an output schema', () => {
    expect(refusedCallAnswer('a', body, challenge, true).result).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'Needs notes:read (request id: rid)' }],
      _meta: { 'mcp/www_authenticate': [challenge], 'connector-gateway/error': body },
    });
  });
});

describe('outcomeOf', () => {
  it("is ok for a result, and a tool error's code (or error) otherwise, wherever its details travel", () => {
    const invalid = failureResult(
      new ToolsException(ToolsErrorCode.INVALID_ARGUMENTS, 'report', 'bad', { violations: [] }),
      'report',
      'rid',
    );

    expect(outcomeOf(toolResult(upstream(200, '{"a":1}'), 'rid'))).toBe('ok');
    expect(outcomeOf(invalid)).toBe('INVALID_ARGUMENTS');
    expect(outcomeOf(errorDetailsInMeta(invalid))).toBe('INVALID_ARGUMENTS');
    expect(outcomeOf(toolResult(upstream(503, 'down'), 'rid'))).toBe('upstream_error');
    expect(outcomeOf({ isError: true, content: [] })).toBe('tool_error');
  });
});
