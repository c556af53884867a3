#!/usr/bin/env node
import { runService, serviceArgs } from '@isr/runtime';
import { startWeb } from './service.ts';
import { WEB_FLAGS, webArgsOf, webOptions } from './web-options.ts';

const args = serviceArgs('web', WEB_FLAGS, (a) => webArgsOf(a.values));
const web = webArgsOf(args.values);
await runService('web', (ctx) => startWeb(ctx, webOptions(ctx.config, web, process.cwd())), {
  metricsServer: false,
  args,
});
