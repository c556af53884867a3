#!/usr/bin/env node
import { runService, serviceArgs } from '@isr/runtime';
import { LIST_DEVICES_FLAGS, listDevicesCommand } from './list-devices-command.ts';
import { startCaptureAlsa } from './service.ts';

const args = serviceArgs('capture-alsa', LIST_DEVICES_FLAGS);
if (args.values['list-devices']) {
  process.exitCode = await listDevicesCommand(args, process.env);
} else {
  await runService('capture-alsa', startCaptureAlsa, { args });
}
