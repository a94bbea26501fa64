/**
 * `@rampart/access-control`: roles → `resource:action` permissions with two wildcards
 * (`resource:*`, `*`) and inheritance, compiled at construction so a check is a set lookup; API-key
 * scopes intersected with the owner's permissions; rank- or subset-checked role changes. The
 * guards live in `./express` and `./fastify`. Framework-free: importing this loads neither.
 */
export {
  AccessControl,
  type AccessControlOptions,
  createAccessControl,
} from './access-control.js';
export {
  forbiddenError,
  insufficientScopeError,
  privilegeEscalationError,
  roleRequiredError,
} from './errors.js';
export { PermissionCheck } from './permission-check.js';
export type {
  AccessControlRegister,
  RegisteredPermission,
  RegisteredRole,
  RouteAccess,
} from './register.js';
export type { AccessOutcome, AccessRequirement, CompiledRequirement } from './requirement.js';
export { compileRequirement } from './requirement.js';
export type {
  AccessCheckContext,
  PermissionGrant,
  ResourceOf,
  RoleDefinition,
  RoleGrantDecision,
  RoleGrantRefusal,
  RoleHolder,
  RoleResolver,
} from './types.js';
