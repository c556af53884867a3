#!/usr/bin/env node
import { runService } from '@isr/runtime';
import { startWeb } from './start-web.ts';
import { parseWebArgs, WebArgsError, webOptions, type WebArgs } from './web-options.ts';

let args: WebArgs;
try {
  args = parseWebArgs(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof WebArgsError)) throw err;
  console.error(`isr-web: ${err.message}`);
  process.exit(2);
}
await runService('web', (ctx) => startWeb(ctx, webOptions(ctx.config, args, process.cwd())), { metricsServer: false });
