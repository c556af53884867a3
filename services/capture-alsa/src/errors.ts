import { IsrError } from '@isr/contract';

/** Stable codes of capture-alsa failures (each one a different thing for the user to fix). */
export const CaptureErrorCodes = {
  deviceNotFound: 'ISR_ALSA_DEVICE_NOT_FOUND',
  deviceAmbiguous: 'ISR_ALSA_DEVICE_AMBIGUOUS',
  noMonitor: 'ISR_ALSA_NO_MONITOR',
  arecordMissing: 'ISR_ALSA_ARECORD_MISSING',
  stalled: 'ISR_ALSA_STALLED',
  tooFast: 'ISR_ALSA_TOO_FAST',
} as const;

/** The configured `device` names nothing that exists; the message lists what does. */
export class DeviceNotFoundError extends IsrError {
  constructor(message: string) {
    super(CaptureErrorCodes.deviceNotFound, message);
  }
}

/** A partial card name matches several cards: recording the wrong one silently would be worse than stopping. */
export class DeviceAmbiguousError extends IsrError {
  constructor(message: string) {
    super(CaptureErrorCodes.deviceAmbiguous, message);
  }
}

/** `device = monitor` but there is no ALSA Loopback card and no PCM named like a monitor. */
export class NoMonitorError extends IsrError {
  constructor(message: string) {
    super(CaptureErrorCodes.noMonitor, message);
  }
}

/** The arecord binary cannot be started (not installed, wrong arecord_path, not executable). */
export class ArecordMissingError extends IsrError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(CaptureErrorCodes.arecordMissing, message, options);
  }
}
