export interface OutputCapture {
  /** Everything written to stdout and stderr since the capture began. */
  text(): string;
  restore(): void;
}

/** Captures what the process writes (the gateway's log lines) instead of printing it. */
export function captureOutput(): OutputCapture {
  let output = '';
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output += chunk.toString();
      return true;
    }),
  );
  return { text: () => output, restore: () => spies.forEach((spy) => spy.mockRestore()) };
}
