// Services talk on stderr so that a test reporter or a CLI's stdout stays clean.
export function say(message: string): void {
  process.stderr.write(`[services] ${message}\n`);
}
