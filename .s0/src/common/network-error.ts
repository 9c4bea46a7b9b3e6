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
