// Azurite (the Azure Storage emulator, blob service only, in memory) as a child process on a free
// loopback port. --skipApiVersionCheck: azurite 3.35.0 refuses the API version that
// @azure/storage-blob 12.32 sends (toolchain.md §6). Stop it in afterAll.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild, waitForLine } from './s3rver.js';

const MAIN = fileURLToPath(new URL('../../node_modules/azurite/dist/src/blob/main.js', import.meta.url));
// Azurite's published development-storage account (not a secret).
const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteHandle {
  endpoint: string;
  connectionString: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startAzurite(): Promise<AzuriteHandle> {
  const child = spawn(
    process.execPath,
    [MAIN, '--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence', '--silent', '--disableTelemetry', '--skipApiVersionCheck'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const m = await waitForLine(child, /listens on http:\/\/127\.0\.0\.1:(\d+)/, 'azurite');
  child.stdout?.resume();
  child.stderr?.resume();
  const endpoint = `http://127.0.0.1:${m[1]}/${ACCOUNT}`;
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};BlobEndpoint=${endpoint};`;
  return {
    endpoint,
    connectionString,
    env: { AZURE_STORAGE_CONNECTION_STRING: connectionString },
    stop: () => stopChild(child),
  };
}

/** A connection string for the same account through another endpoint (e.g. a fault proxy). */
export function connectionStringFor(endpoint: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};BlobEndpoint=${endpoint};`;
}
