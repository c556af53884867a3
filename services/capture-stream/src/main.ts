#!/usr/bin/env node
import { runService } from '@isr/runtime';
import { startCaptureStream } from './service.ts';

await runService('capture-stream', (ctx) => startCaptureStream(ctx));
