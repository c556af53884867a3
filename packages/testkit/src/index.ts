export { FifoWriter, makeFifo, writeAlsaTestConfig, writeFakeArecord, type TestPcm } from './alsa.ts';
export { stopChild } from './child.ts';
export { checkCounter, counterSample, counterSignal, type CounterCheck } from './counter-signal.ts';
export type { FakeArecordOptions } from './fake-arecord.ts';
export { hang, resume, threadStates, type HangTarget } from './hang.ts';
export {
  feedIcecast,
  startIcecast,
  type IcecastFeed,
  type IcecastFeedCodec,
  type IcecastFeedOptions,
  type IcecastHandle,
} from './icecast.ts';
export { startNatsCluster, type NatsClusterHandle, type NatsNodeHandle } from './nats-cluster.ts';
export { lossyProxy, type LossyProxy } from './lossy-proxy.ts';
export { natsServerBinary, startNatsServer, type NatsServerHandle } from './nats-server.ts';
export { NATS_USERS, natsPasswords, type NatsUser } from './nats-users.ts';
export { freePort, portOpen } from './ports.ts';
export { counterContinuity, ffmpegErrors, flacSamples, recordingFiles, samplesOf, wavSamples } from './recordings.ts';
export { segmenterBacklog, segmenterConsumerOf, segmenterDrained, type ConsumerView } from './segmenter-consumers.ts';
export { fmtBody, riffChunk, riffWave } from './riff.ts';
export { repoRoot, startService, type ServiceHandle } from './service-process.ts';
export { readServerSentEvents, type ServerSentEvent } from './sse.ts';
export {
  assertContiguous,
  frameCount,
  StreamTap,
  tapAudio,
  type TappedChunk,
  type TappedMessage,
} from './stream-tap.ts';
export { ffmpegSine, soxSynth, type SineTone, type SoxFormat } from './synth.ts';
export { tempDir } from './tmp.ts';
export { waitFor } from './wait.ts';
export { wavFile } from './wav-file.ts';
