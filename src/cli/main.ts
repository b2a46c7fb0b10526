// first: the compile cache and resolution shortcuts apply to every module loaded after it
import '../lib/fast-module-loading.ts';
import { runCli } from './run.ts';

const code = await runCli(process.argv.slice(2));
if (code >= 0) process.exit(code);
