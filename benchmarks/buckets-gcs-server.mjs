// Runs test/support/gcs-server.ts in its own process (start with `node --import tsx`), so that the
// objects it keeps in memory do not count against the benchmark or the exporting CLI. Prints
// "gcs listening on <endpoint>" and stops on SIGTERM.

import { startGcsServer } from '../test/support/gcs-server.ts';

const server = await startGcsServer();
console.log(`gcs listening on ${server.endpoint}`);
process.on('SIGTERM', () => server.stop().then(() => process.exit(0)));
