// The whole wire contract in one import, for routes, the hub, tests and (type-only) the pages.
export * from './common.js';
export * from './devices.js';
export * from './announcements.js';
export * from './rooms.js';
export * from './sessions.js';
export * from './attendees.js';
export * from './checkins.js';
export * from './badges.js';
export * from './allocation.js';
export * from './events.js';
export * from './live.js';
export type * from '../core/vocabulary.js';
