import './v8-tuning.js';
import { runCli } from './cli.js';

const exitCode = await runCli(process.argv.slice(2));
// serve keeps running on its open server; everything else ends here.
if (exitCode !== 0) process.exit(exitCode);
