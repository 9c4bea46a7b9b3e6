import { BadRequestException, Injectable } from '@nestjs/common';

import { RequireScopes } from '../../auth/decorators/require-scopes.decorator';
import { Tool } from '../tool.decorator';
import type { ToolCallContext } from '../tool-definition';

export interface CurrentTime {
  timeZone: string;
  iso: string;
  local: string;
  requestedBy: string;
}

/**
 * An in-process tool, the way a team adds its own: a provider method with @Tool and @RequireScopes.
 * It is served by POST /tools/current_time and by MCP tools/call alike.
 */
@Injectable()
export class ClockTool {
  @Tool({
    name: 'current_time',
    description: 'The current date and time in an IANA time zone (default UTC).',
    inputSchema: {
      type: 'object',
      properties: {
        timeZone: { type: 'string', description: 'IANA time zone, e.g. Europe/Paris', maxLength: 64 },
      },
      additionalProperties: false,
    },
  })
  @RequireScopes('time:read')
  now(args: { timeZone?: string }, context: ToolCallContext, now = new Date()): CurrentTime {
    const timeZone = args.timeZone ?? 'UTC';
    let local: string;
    try {
      local = new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'full', timeStyle: 'long' }).format(
        now,
      );
    } catch {
      throw new BadRequestException(`Unknown time zone ${JSON.stringify(timeZone)}`);
    }
    return { timeZone, iso: now.toISOString(), local, requestedBy: context.user.sub };
  }
}
