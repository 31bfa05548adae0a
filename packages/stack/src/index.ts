export * from './child-process.js';
export * from './stack.js';
export { GATEWAY_NODE_OPTIONS } from './stack-processes.js';
