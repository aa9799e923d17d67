/**
 * An error the server answered in the catalog's envelope. In a file of its
 * own (context.ts re-exports it) so that the console's first script
 * (boot.ts) reaches the server without bringing React.
 */
export class ConsoleApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The envelope's error object as it came (`param`, `position` of a rule expression's error, `details`). */
  readonly envelope: Readonly<Record<string, unknown>>;
  constructor(status: number, code: string, message: string, envelope: Readonly<Record<string, unknown>> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.envelope = envelope;
  }
}
