/** `text` as a JSON object, or undefined when it is not JSON or not an object (arrays included). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** One base64url segment of a JWT (header or payload) as a JSON object. Decoding only: nothing is verified. */
export function decodeJwtSegment(segment: string): Record<string, unknown> | undefined {
  return parseJsonObject(Buffer.from(segment, 'base64url').toString('utf8'));
}

/** A JWT's payload, unverified; an empty object when it cannot be read. */
export function unverifiedJwtPayload(token: string): Record<string, unknown> {
  return decodeJwtSegment(token.split('.')[1] ?? '') ?? {};
}

/**
 * A short reason for a failed outgoing call, safe to log: "timed out", the system or undici error code
 * (ECONNREFUSED, UND_ERR_SOCKET...), else the message. Duck-typed, because errors raised by fetch may come
 * from another realm (jest's VM) where instanceof fails.
 */
export function networkErrorReason(error: unknown): string {
  const candidate = error as
    | { name?: unknown; message?: unknown; code?: unknown; cause?: { code?: unknown; message?: unknown } }
    | undefined;
  if (candidate?.name === 'TimeoutError' || candidate?.name === 'AbortError') return 'timed out';
  const code = candidate?.code ?? candidate?.cause?.code;
  if (typeof code === 'string') return code;
  const message = candidate?.cause?.message ?? candidate?.message;
  return typeof message === 'string' && message !== '' ? message : 'connection failed';
}
