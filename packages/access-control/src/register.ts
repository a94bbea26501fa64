import type { AccessControl } from './access-control.js';
import type { AccessRequirement } from './requirement.js';

/**
 * Register the app's access control here to type Fastify's route config by it, so
 * `config: { access: { permissions: ['usres:read'] } }` is a type error:
 *
 * @example
 * declare module '@rampart/access-control' {
 *   interface AccessControlRegister { access: typeof access }
 * }
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the app through declaration merging.
export interface AccessControlRegister {}

/** The registered app's permissions, or any string before registration. */
export type RegisteredPermission = AccessControlRegister extends {
  access: AccessControl<infer P, string>;
}
  ? P
  : string;

/** The registered app's roles, or any string before registration. */
export type RegisteredRole = AccessControlRegister extends {
  access: AccessControl<string, infer R>;
}
  ? R
  : string;

/** A route's `config.access` on Fastify, typed by the registered access control. */
export type RouteAccess = AccessRequirement<RegisteredPermission, RegisteredRole>;
