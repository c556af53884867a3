export * from './ports.ts';
export * from './wait.ts';
export * from './tmp.ts';
export * from './nats-server.ts';
export * from './service-process.ts';
export * from './icecast.ts';
export * from './alsa.ts';
export * from './recordings.ts';
