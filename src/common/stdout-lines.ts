/**
 * Log lines for stdout, written together once per turn of the event loop. A write to a pipe or a file is a
 * synchronous system call; under load many requests end in one turn, and one call for all their lines costs
 * a fraction of one call each. The queued lines keep their order (a line another logger writes directly may
 * come out before them in the same turn). Nothing is lost at exit: what is pending is
 * written, synchronously, when the process exits (whatever the exit code, an uncaught exception included);
 * only a SIGKILL can lose the lines of the turn it interrupts.
 */
export class StdoutLines {
  private pending = '';
  private exitHooked = false;

  /** Queues `line` (with its newline) for the end of the current turn. */
  write(line: string): void {
    if (this.pending === '') this.schedule();
    this.pending += line;
  }

  /** Writes what is pending now. */
  readonly flush = (): void => {
    if (this.pending === '') return;
    const chunk = this.pending;
    this.pending = '';
    process.stdout.write(chunk);
  };

  private schedule(): void {
    setImmediate(this.flush);
    if (this.exitHooked) return;
    this.exitHooked = true;
    process.once('exit', this.flush);
  }
}

/** The process's one queue of stdout lines: every writer shares it, so that their lines keep their order. */
export const stdoutLines = new StdoutLines();
