export * from './child-process';
export * from './stack';
