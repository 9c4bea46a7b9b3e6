import { ErrorTable, TableException } from './error-table';

enum SampleCode {
  REFUSED = 'REFUSED',
}

const SAMPLE_ERRORS: ErrorTable<SampleCode> = {
  [SampleCode.REFUSED]: { status: 401, error: 'invalid_token', hint: 'Sign in again.' },
};

class SampleException extends TableException<SampleCode> {
  constructor(message: string) {
    super(SampleCode.REFUSED, message, SAMPLE_ERRORS);
  }
}

describe('TableException', () => {
  it('answers with the status, error and hint of its code', () => {
    const exception = new SampleException('The token was refused');

    expect(exception).toBeInstanceOf(Error);
    expect(exception.message).toBe('The token was refused');
    expect([exception.code, exception.status, exception.error, exception.hint]).toEqual([
      'REFUSED',
      401,
      'invalid_token',
      'Sign in again.',
    ]);
  });

  it('captures no stack frames, and leaves Error.stackTraceLimit as it found it for every other error', () => {
    const before = Error.stackTraceLimit;

    const exception = new SampleException('The token was refused');

    expect(exception.stack).not.toContain('\n    at ');
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('a bug').stack).toContain('\n    at ');
  });
});
