/** Runs `listen`; when its port is taken, the error says which variable chooses that port. */
export async function explainPortInUse<T>(
  variable: string,
  port: number,
  listen: () => Promise<T>,
): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!message.includes('EADDRINUSE')) throw error;
    throw new Error(
      `${message}\nPort ${port} is in use: stop the process that holds it or set ${variable} to a free port.`,
    );
  }
}
