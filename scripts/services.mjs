// `node scripts/services.mjs up|down`: the command line of the services module in services/
// (see services/cli.mjs). Code imports services/index.mjs.
import { runCli } from './services/cli.mjs';

await runCli(process.argv.slice(2));
