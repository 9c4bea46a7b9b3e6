/** Whether a parsed JSON value is an object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `text` as a JSON object, or undefined when it is not JSON or not an object (arrays included). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : undefined;
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
