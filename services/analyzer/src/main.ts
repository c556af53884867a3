#!/usr/bin/env node
import { runService } from '@isr/runtime';
import { startAnalyzer } from './service.ts';

await runService('analyzer', (ctx) => startAnalyzer(ctx));
