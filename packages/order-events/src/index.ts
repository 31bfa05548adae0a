export * from './event-codec';
export * from './order-event';
export * from './safe-trim-point';
export * from './saga-keys';
export * from './stream-ids';
