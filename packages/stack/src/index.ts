export * from './child-process.js';
export * from './stack.js';
