export * from './record-layout.js';
export * from './stages.js';
export * from './errors.js';
