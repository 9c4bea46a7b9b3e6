import { HttpStatus } from '@nestjs/common';

import { ErrorTable, TableException } from '../common/error-table';

export enum ToolsErrorCode {
  UNKNOWN_TOOL = 'UNKNOWN_TOOL',
  INVALID_ARGUMENTS = 'INVALID_ARGUMENTS',
  UPSTREAM_TIMEOUT = 'UPSTREAM_TIMEOUT',
  UPSTREAM_UNREACHABLE = 'UPSTREAM_UNREACHABLE',
  UPSTREAM_RESPONSE_TOO_LARGE = 'UPSTREAM_RESPONSE_TOO_LARGE',
  TOOL_FAILED = 'TOOL_FAILED',
  INVALID_OUTPUT = 'INVALID_OUTPUT',
}

/** Status, error and fix of each code (docs/troubleshooting.md explains each). */
export const TOOLS_ERRORS: ErrorTable<ToolsErrorCode> = {
  [ToolsErrorCode.UNKNOWN_TOOL]: {
    status: HttpStatus.NOT_FOUND,
    error: 'unknown_tool',
    hint: 'Call one of the tools MCP tools/list shows; names are case-sensitive.',
  },
  [ToolsErrorCode.INVALID_ARGUMENTS]: {
    status: HttpStatus.BAD_REQUEST,
    error: 'invalid_arguments',
    hint: "Fix each entry of `violations`; the tool's inputSchema (MCP tools/list) says what it accepts.",
  },
  [ToolsErrorCode.UPSTREAM_TIMEOUT]: {
    status: HttpStatus.GATEWAY_TIMEOUT,
    error: 'upstream_timeout',
    hint: "The backend did not answer within the tool's timeoutMs (or UPSTREAM_TIMEOUT_MS); retry, or raise the deadline if the tool is slow by design.",
  },
  [ToolsErrorCode.UPSTREAM_UNREACHABLE]: {
    status: HttpStatus.BAD_GATEWAY,
    error: 'upstream_unreachable',
    hint: "The gateway could not reach the tool's backend: check FUNCTIONS_BASE or the tool's upstream and that the backend is up.",
  },
  [ToolsErrorCode.UPSTREAM_RESPONSE_TOO_LARGE]: {
    status: HttpStatus.BAD_GATEWAY,
    error: 'upstream_response_too_large',
    hint: 'The backend answered more than UPSTREAM_MAX_RESPONSE_BYTES: page its results or raise the limit.',
  },
  [ToolsErrorCode.TOOL_FAILED]: {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    error: 'tool_failed',
    hint: "An in-process tool failed; the gateway's log line with this request id says which.",
  },
  [ToolsErrorCode.INVALID_OUTPUT]: {
    status: HttpStatus.BAD_GATEWAY,
    error: 'invalid_output',
    hint: "The tool's answer does not match its outputSchema (see `violations`): fix the backend or the schema.",
  },
};

/** A tool call that could not be served; ToolsExceptionFilter maps it to HTTP, the MCP endpoint to a tool error. */
export class ToolsException extends TableException<ToolsErrorCode> {
  constructor(
    code: ToolsErrorCode,
    readonly tool: string,
    message: string,
    readonly fields: Record<string, unknown> = {},
  ) {
    super(code, message, TOOLS_ERRORS);
    this.name = 'ToolsException';
  }
}
