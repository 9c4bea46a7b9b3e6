/** How one error code is answered over HTTP; every module's codes are rows of one such table. */
export interface ErrorAnswer {
  status: number;
  /** The body's `error` (for 401/403 also RFC 6750's `error` attribute). */
  error: string;
  /** The fix, as docs/troubleshooting.md explains it. */
  hint: string;
}

export type ErrorTable<Code extends string> = Readonly<Record<Code, ErrorAnswer>>;

/**
 * A module's domain failure: a code whose status, error and hint come from the module's table. It is an
 * answer, never a bug, and no stack trace is ever logged or answered, so none is captured: V8's capture
 * cost more than the rest of a 401 (a token-less request is the cheapest thing anyone can send).
 */
export abstract class TableException<Code extends string> extends Error {
  readonly code: Code;
  private readonly answers: ErrorTable<Code>;

  protected constructor(code: Code, message: string, answers: ErrorTable<Code>) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.code = code;
    this.answers = answers;
  }

  get status(): number {
    return this.answers[this.code].status;
  }

  get error(): string {
    return this.answers[this.code].error;
  }

  get hint(): string {
    return this.answers[this.code].hint;
  }
}
