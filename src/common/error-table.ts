/** How one error code is answered over HTTP; every module's codes are rows of one such table. */
export interface ErrorAnswer {
  status: number;
  /** The body's `error` (for 401/403 also RFC 6750's `error` attribute). */
  error: string;
  /** The fix, as docs/troubleshooting.md explains it. */
  hint: string;
}

export type ErrorTable<Code extends string> = Readonly<Record<Code, ErrorAnswer>>;

/** A module's domain failure: a code whose status, error and hint come from the module's table. */
export abstract class TableException<Code extends string> extends Error {
  protected constructor(
    readonly code: Code,
    message: string,
    private readonly answers: ErrorTable<Code>,
  ) {
    super(message);
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
