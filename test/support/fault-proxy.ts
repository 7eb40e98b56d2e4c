// An HTTP proxy in front of a storage test server that injects the faults cloud storage produces:
// throttling (503 SlowDown / ServerBusy, 429), connections reset before a response, and response
// bodies cut off midway. Faults follow a fixed schedule over the request count, so every run
// injects the same faults; retries are new requests and get past them.

import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Flavor = 's3' | 'gcs' | 'azure';

export interface FaultSchedule {
  /** Every n-th request gets a throttling answer (503, or 429 for GCS every other time). */
  throttleEvery?: number;
  /** Every n-th request has its connection reset before any response. */
  resetEvery?: number;
  /** Every n-th GET with a body gets its headers and half of its body, then a reset. */
  truncateEvery?: number;
}

export interface FaultProxy {
  endpoint: string;
  counts: { requests: number; throttled: number; reset: number; truncated: number };
  stop(): Promise<void>;
}

function throttle(res: ServerResponse, flavor: Flavor, n: number): void {
  let status = 503;
  let type = 'application/xml';
  let body: string;
  const headers: Record<string, string> = {};
  if (flavor === 's3') {
    body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
  } else if (flavor === 'azure') {
    body = '<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>The server is busy.</Message></Error>';
    headers['x-ms-error-code'] = 'ServerBusy';
  } else {
    status = n % 2 === 0 ? 429 : 503;
    type = 'application/json';
    body = JSON.stringify({ error: { code: status, message: 'rate limited', errors: [{ reason: 'rateLimitExceeded', message: 'rate limited' }] } });
  }
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export async function startFaultProxy(target: string, flavor: Flavor, schedule: FaultSchedule): Promise<FaultProxy> {
  const t = new URL(target);
  const counts = { requests: 0, throttled: 0, reset: 0, truncated: 0 };
  const hit = (n: number, every?: number, offset = 0) => every !== undefined && every > 0 && n % every === offset % every;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const n = ++counts.requests;
    if (hit(n, schedule.resetEvery, 1)) {
      counts.reset++;
      req.socket.destroy();
      return;
    }
    if (hit(n, schedule.throttleEvery, 2)) {
      counts.throttled++;
      req.resume();
      req.on('end', () => throttle(res, flavor, n));
      return;
    }
    const truncate = req.method === 'GET' && hit(n, schedule.truncateEvery, 3);
    const up = request(
      { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        const len = Number(upRes.headers['content-length'] ?? 0);
        if (truncate && len > 1) {
          counts.truncated++;
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          const chunks: Buffer[] = [];
          upRes.on('data', (c: Buffer) => chunks.push(c));
          upRes.on('end', () => {
            res.write(Buffer.concat(chunks).subarray(0, Math.floor(len / 2)));
            setImmediate(() => res.socket?.destroy());
          });
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.socket?.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}${t.pathname === '/' ? '' : t.pathname}`,
    counts,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
