export * from './event-codec.js';
export * from './event-log-segments.js';
export * from './order-event.js';
export * from './safe-trim-point.js';
export * from './saga-keys.js';
export * from './stream-ids.js';
