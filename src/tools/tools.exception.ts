import { HttpStatus } from '@nestjs/common';

export enum ToolsErrorCode {
  UNKNOWN_TOOL = 'UNKNOWN_TOOL',
  INVALID_ARGUMENTS = 'INVALID_ARGUMENTS',
  UPSTREAM_TIMEOUT = 'UPSTREAM_TIMEOUT',
  UPSTREAM_UNREACHABLE = 'UPSTREAM_UNREACHABLE',
  UPSTREAM_RESPONSE_TOO_LARGE = 'UPSTREAM_RESPONSE_TOO_LARGE',
  TOOL_FAILED = 'TOOL_FAILED',
  INVALID_OUTPUT = 'INVALID_OUTPUT',
}

const STATUS: Record<ToolsErrorCode, { status: number; error: string }> = {
  [ToolsErrorCode.UNKNOWN_TOOL]: { status: HttpStatus.NOT_FOUND, error: 'unknown_tool' },
  [ToolsErrorCode.INVALID_ARGUMENTS]: { status: HttpStatus.BAD_REQUEST, error: 'invalid_arguments' },
  [ToolsErrorCode.UPSTREAM_TIMEOUT]: { status: HttpStatus.GATEWAY_TIMEOUT, error: 'upstream_timeout' },
  [ToolsErrorCode.UPSTREAM_UNREACHABLE]: { status: HttpStatus.BAD_GATEWAY, error: 'upstream_unreachable' },
  [ToolsErrorCode.UPSTREAM_RESPONSE_TOO_LARGE]: {
    status: HttpStatus.BAD_GATEWAY,
    error: 'upstream_response_too_large',
  },
  [ToolsErrorCode.TOOL_FAILED]: { status: HttpStatus.INTERNAL_SERVER_ERROR, error: 'tool_failed' },
  [ToolsErrorCode.INVALID_OUTPUT]: { status: HttpStatus.BAD_GATEWAY, error: 'invalid_output' },
};

/** A tool call that could not be served; ToolsExceptionFilter maps it to HTTP, the MCP endpoint to a tool error. */
export class ToolsException extends Error {
  constructor(
    readonly code: ToolsErrorCode,
    readonly tool: string,
    message: string,
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ToolsException';
  }

  get status(): number {
    return STATUS[this.code].status;
  }

  get error(): string {
    return STATUS[this.code].error;
  }
}
