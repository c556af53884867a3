#!/usr/bin/env node
import { runService } from '@isr/runtime';
import { startSegmenter } from './service.ts';

await runService('segmenter', (ctx) => startSegmenter(ctx));
