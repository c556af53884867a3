export * from './time-zone.ts';
export * from './split-clock.ts';
export * from './filename-template.ts';
export * from './wav-header.ts';
export * from './ogg-pages.ts';
export * from './flac-streaminfo.ts';
export * from './tone.ts';
