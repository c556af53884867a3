export * from './config/load.ts';
export type { KeySpec, KeyType, KeyValue } from './config/spec.ts';
export { allKeys } from './config/keys/index.ts';
export * from './logger.ts';
export * from './metrics-server.ts';
export * from './bus.ts';
export * from './status-kv.ts';
export * from './shutdown.ts';
export * from './service.ts';
