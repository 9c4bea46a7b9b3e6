import { Body, Controller, Logger, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Public } from '../auth/decorators/public.decorator';
import { IpLimitExempt } from '../rate-limit/ip-limit-exempt.decorator';
import { LOG_WEBHOOK_PATHS } from '../common/routes';
import { GatewayMetrics } from '../observability/gateway-metrics';
import { DcrStatus } from './dcr-status';
import { DcrErrorCode, DcrException } from './dcr.exception';
import { parseLogDelivery } from './log-event.parser';
import { ManagementClient } from './management.client';
import { PreparationQueue } from './preparation.queue';
import { WebhookSecretGuard } from './webhook-secret.guard';

export interface LogDeliveryAnswer {
  /** Well-formed records. */
  accepted: number;
  dcrEvents: number;
  /** DCR events whose preparation was queued now. */
  queued: number;
  /** DCR events already seen (same log id, or the client queued or prepared). */
  duplicates: number;
  ignored: number;
  malformed: number;
  /** `disabled` when MGMT_* is not configured: DCR events are counted but nothing is prepared. */
  preparation: 'enabled' | 'disabled';
  requestId: string;
}

/**
 * Auth0 log streams: authenticated by the shared secret (not a bearer token, hence @Public), answered at
 * once with counts; the preparation runs from the queue. 202 when preparation work was queued, else 200.
 */
@Public()
// Auth0 delivers bursts from a few addresses; the shared secret guards this route, not the per-IP limit.
@IpLimitExempt()
@UseGuards(WebhookSecretGuard)
@Controller()
export class LogWebhookController {
  private readonly logger = new Logger(LogWebhookController.name);

  constructor(
    private readonly queue: PreparationQueue,
    private readonly management: ManagementClient,
    private readonly status: DcrStatus,
    private readonly metrics: GatewayMetrics,
  ) {}

  @Post(LOG_WEBHOOK_PATHS)
  receive(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): LogDeliveryAnswer {
    const parsed = parseLogDelivery(body);
    this.status.webhookReceived();
    // Answered 4xx so that Auth0's stream health shows a misconfigured content format; a batch with any
    // JSON record is processed and answered 2xx.
    if (parsed.unparsable > 0 && parsed.unparsable === parsed.accepted + parsed.malformed) {
      this.logger.warn({ msg: 'log delivery with no JSON record', records: parsed.unparsable });
      throw new DcrException(
        DcrErrorCode.WEBHOOK_BODY_UNPARSABLE,
        `None of the ${parsed.unparsable} record(s) in the delivery is a JSON object`,
      );
    }
    const enabled = this.management.configured;
    const outcomes = enabled
      ? parsed.dcrEvents.map((event) =>
          this.queue.enqueue({ clientId: event.clientId, logId: event.logId, source: 'webhook' }),
        )
      : [];
    const queued = outcomes.filter((outcome) => outcome === 'queued').length;
    this.count('dcr', queued);
    this.count('dcr_duplicate', outcomes.length - queued);
    this.count('dcr_not_prepared', parsed.dcrEvents.length - outcomes.length);
    this.count('other', parsed.ignored);
    this.count('malformed', parsed.malformed);
    if (!enabled && parsed.dcrEvents.length > 0) {
      this.logger.warn({
        msg: 'DCR events received but MGMT_* is not configured; nothing prepared',
        dcrEvents: parsed.dcrEvents.length,
      });
    }
    const answer: LogDeliveryAnswer = {
      accepted: parsed.accepted,
      dcrEvents: parsed.dcrEvents.length,
      queued,
      duplicates: outcomes.length - queued,
      ignored: parsed.ignored,
      malformed: parsed.malformed,
      preparation: enabled ? 'enabled' : 'disabled',
      requestId: request.id,
    };
    this.logger.log({
      msg: 'log delivery',
      ...answer,
      clientIds: parsed.dcrEvents.map((event) => event.clientId),
    });
    void reply.code(queued > 0 ? 202 : 200);
    return answer;
  }

  private count(kind: string, events: number): void {
    if (events > 0) this.metrics.dcrWebhookEvents.cell(kind).inc(events);
  }
}
