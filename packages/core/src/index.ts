import 'reflect-metadata';

export * from './config';
export * from './context';
export * from './batch-loader';
export * from './database';
export * from './embedded-postgres';
export * from './errors';
export * from './events';
export * from './federation';
export * from './http-service';
export * from './logger';
export * from './metrics';
export * from './model-ref';
export * from './plugins';
export * from './pubsub';
export * from './subgraph';
export * from './validation';
