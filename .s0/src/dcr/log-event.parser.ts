import { isJsonObject } from '../common/decode';

/** One DCR registration found in a log-stream delivery. */
export interface DcrEvent {
  /** Auth0's log id; deliveries are at least once, so the same id can arrive again. */
  logId?: string;
  clientId: string;
  clientName?: string;
}

export interface ParsedDelivery {
  /** Well-formed records (DCR or not). */
  accepted: number;
  dcrEvents: DcrEvent[];
  /** Well-formed records that are not a successful DCR registration. */
  ignored: number;
  /** Records that are not `{ log_id, data: {...} }`, lines that are not JSON, DCR events without a client id. */
  malformed: number;
  /** The malformed records that are not even a JSON object (text, numbers, broken lines). */
  unparsable: number;
}

type Json = Record<string, unknown>;

const DCR_DESCRIPTION = 'dynamic client registration';

/**
 * Parses an Auth0 log-stream body in any of its three content formats: a JSON array, JSON lines, or a
 * single JSON object. A bad record is counted and skipped; nothing here throws.
 */
export function parseLogDelivery(body: unknown): ParsedDelivery {
  const result: ParsedDelivery = { accepted: 0, dcrEvents: [], ignored: 0, malformed: 0, unparsable: 0 };
  for (const record of splitRecords(body)) {
    const classified = classifyRecord(record);
    if (classified === 'malformed') {
      result.malformed += 1;
      if (!isJsonObject(record)) result.unparsable += 1;
    } else {
      result.accepted += 1;
      if (classified === 'ignored') result.ignored += 1;
      else result.dcrEvents.push(classified);
    }
  }
  return result;
}

/** Records as parsed JSON values; a line that is not JSON becomes `undefined` (counted as malformed). */
function splitRecords(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (isJsonObject(body)) return [body];
  if (typeof body !== 'string' || body.trim() === '') return [];
  const text = body.trim();
  const whole = tryJson(text);
  if (Array.isArray(whole)) return whole;
  if (isJsonObject(whole)) return [whole];
  // JSON lines; a broken JSON array that spans lines also ends up here, one malformed record per line.
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && line !== '[' && line !== ']')
    .map((line) => tryJson(line.replace(/,$/, '')));
}

function classifyRecord(record: unknown): DcrEvent | 'ignored' | 'malformed' {
  if (!isJsonObject(record) || !isJsonObject(record.data)) return 'malformed';
  const data = record.data;
  if (!isDcrRegistration(data)) return 'ignored';
  const clientId = registeredClientId(data);
  if (!clientId) return 'malformed';
  const logId = stringOf(record.log_id) ?? stringOf(data.log_id) ?? stringOf(data._id);
  const clientName = stringOf(responseBody(data)?.client_name);
  return { logId, clientId, clientName };
}

/**
 * A DCR registration is logged as `type: "sapi"` with description "Dynamic client registration"; older
 * tenants and proxies are recognised by the request path `/oidc/register`. A failed registration
 * (response status 4xx/5xx) created nothing and is ignored.
 */
function isDcrRegistration(data: Json): boolean {
  if (data.type !== 'sapi') return false;
  const details = isJsonObject(data.details) ? data.details : {};
  const request = isJsonObject(details.request) ? details.request : {};
  const description = stringOf(data.description)?.toLowerCase() ?? '';
  const path = stringOf(request.path) ?? '';
  if (description !== DCR_DESCRIPTION && !/\/oidc\/register\/?$/.test(path)) return false;
  const response = isJsonObject(details.response) ? details.response : {};
  const status = Number(response.statusCode ?? response.status ?? 201);
  return !(status >= 400);
}

/** The new client: `details.response.body.client_id` (2026 format), else the record's own `client_id`. */
function registeredClientId(data: Json): string | undefined {
  return stringOf(responseBody(data)?.client_id) ?? stringOf(data.client_id);
}

function responseBody(data: Json): Json | undefined {
  const details = isJsonObject(data.details) ? data.details : undefined;
  const response = details && isJsonObject(details.response) ? details.response : undefined;
  const body = typeof response?.body === 'string' ? tryJson(response.body) : response?.body;
  return isJsonObject(body) ? body : undefined;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
