// Retries shared by the bucket stores. Each SDK already retries single requests (see s3.ts,
// gcs.ts, azure.ts); this outer loop covers what they cannot: a response body cut off midway
// (a GET whose stream fails after the headers arrived) and throttling codes an SDK does not
// retry. Exponential backoff with full jitter: attempt n waits random(0, min(cap, base·2^n)).

import { setTimeout as sleep } from 'node:timers/promises';

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'TimeoutError',
  'RequestTimeout',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ServerBusy',
  'OperationTimedOut',
  'InternalError',
]);

/** The HTTP status of an SDK error, whichever SDK threw it. */
function statusOf(e: Record<string, unknown>): number | undefined {
  const meta = e.$metadata as { httpStatusCode?: number } | undefined;
  const s = meta?.httpStatusCode ?? e.statusCode ?? e.status ?? e.code;
  return typeof s === 'number' ? s : undefined;
}

/** Throttling (429, 503 SlowDown), other 5xx, timeouts and connection resets. */
export function isTransient(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as Record<string, unknown>;
  const status = statusOf(e);
  if (status !== undefined && (status === 408 || status === 429 || status >= 500)) return true;
  for (const v of [e.code, e.name, e.Code]) if (typeof v === 'string' && NETWORK_CODES.has(v)) return true;
  // GCS hands its retry predicate {code, message, errors: [{reason}]} with the network error code
  // (ECONNRESET, …) as a reason, or an API reason such as rateLimitExceeded.
  if (Array.isArray(e.errors)) {
    for (const x of e.errors as Array<{ reason?: unknown }>) {
      const r = typeof x?.reason === 'string' ? x.reason : '';
      if (NETWORK_CODES.has(r) || NETWORK_CODES.has(r.toUpperCase()) || /rateLimitExceeded|backendError|internalError/i.test(r)) return true;
    }
  }
  const msg = typeof e.message === 'string' ? e.message : '';
  if (/socket hang up|aborted|premature close|ECONNRESET|EPIPE|timed? ?out/i.test(msg)) return true;
  return e.cause !== undefined && e.cause !== err ? isTransient(e.cause) : false;
}

export interface RetryOptions {
  attempts?: number;
  baseMs?: number;
  capMs?: number;
  signal?: AbortSignal;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export async function withRetry<T>(op: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 5;
  const base = opts.baseMs ?? 100;
  const cap = opts.capMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (attempt >= attempts || !isTransient(e) || opts.signal?.aborted) throw e;
      const delay = Math.random() * Math.min(cap, base * 2 ** attempt);
      opts.onRetry?.(e, attempt, delay);
      await sleep(delay, undefined, { signal: opts.signal });
    }
  }
}

/**
 * Per-request timeout of the bucket stores, in ms: LABELSTREAM_STORAGE_TIMEOUT_MS, default 60 s
 * (for S3 and Azure a socket idle / per-try timeout, for GCS a whole-request timeout).
 */
export function storageTimeoutMs(): number {
  const v = Number(process.env.LABELSTREAM_STORAGE_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : 60_000;
}

/** The object does not exist (any SDK's 404 / NoSuchKey / BlobNotFound, or a missing local file). */
export function isNotFound(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as Record<string, unknown>;
  if (statusOf(e) === 404) return true;
  return ['NoSuchKey', 'NotFound', 'BlobNotFound', 'ENOENT'].some((c) => e.name === c || e.code === c || e.Code === c);
}
