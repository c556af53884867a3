#!/usr/bin/env node
import { runService } from '@isr/runtime';
import { listDevicesCommand } from './list-devices-command.ts';
import { startCaptureAlsa } from './service.ts';

if (process.argv.includes('--list-devices')) {
  process.exitCode = await listDevicesCommand(process.argv.slice(2), process.env);
} else {
  await runService('capture-alsa', startCaptureAlsa);
}
