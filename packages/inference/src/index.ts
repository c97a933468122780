export * from './decode';
export * from './encode';
export * from './schema';
export * from './session-pool';
export * from './signature';
