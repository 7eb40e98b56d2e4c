// Error kinds and the process exit codes they map to (documented in the README).

export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** The export completed, but some records were rejected (see the error report). */
  rejections: 3,
  interrupted: 130,
} as const;

/** Bad flags, unknown format, an option combination that cannot work. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A record or file that cannot be read; `where` names the file/key and position. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    message: string,
    readonly where: string,
    readonly raw?: string,
  ) {
    super(`${where}: ${message}`);
  }
  get reason(): string {
    return this.message.slice(this.where.length + 2);
  }
}

/** The run was stopped by SIGINT/SIGTERM or an abort signal. */
export class AbortedError extends Error {
  override name = 'AbortedError';
  constructor(message = 'export interrupted') {
    super(message);
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError();
}
