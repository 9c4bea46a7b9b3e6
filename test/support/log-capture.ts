/** Everything the process writes to stdout and stderr while capturing (the gateway's JSON logs). */
export class LogCapture {
  private output = '';
  private readonly spies: jest.SpyInstance[] = [];

  start(): this {
    for (const stream of [process.stdout, process.stderr]) {
      this.spies.push(
        jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
          this.output += chunk.toString();
          return true;
        }),
      );
    }
    return this;
  }

  stop(): void {
    this.spies.splice(0).forEach((spy) => spy.mockRestore());
  }

  get text(): string {
    return this.output;
  }

  /** The `message` objects of JSON log lines whose message has `msg` equal to `msg`. */
  messages(msg: string): Array<Record<string, unknown>> {
    return this.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { message: unknown })
      .map((entry) => entry.message)
      .filter(
        (message): message is Record<string, unknown> =>
          typeof message === 'object' && message !== null && (message as { msg?: unknown }).msg === msg,
      );
  }
}

/** Lets 'finish' listeners (which write the summary lines) run after a response was received. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}
