#!/usr/bin/env node
import { runService } from '@isr/runtime';
import { startSegmenter } from './segmenter.ts';

await runService('segmenter', (ctx) => startSegmenter(ctx));
