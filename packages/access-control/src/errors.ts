import { RampartError } from '@rampart/core';

/**
 * 403 for a caller whose role lacks `permission`. The problem names the permission (it is the
 * route's requirement, not a secret) so a client knows what to ask for.
 */
export function forbiddenError(permission: string): RampartError {
  return new RampartError({
    status: 403,
    code: 'ERR_FORBIDDEN',
    title: 'Forbidden',
    detail: `This action needs the permission ${permission}, which your account does not have.`,
    extensions: { permission },
  });
}

/** 403 for a caller whose role lacks every one of `roles`. */
export function roleRequiredError(roles: readonly string[]): RampartError {
  return new RampartError({
    status: 403,
    code: 'ERR_FORBIDDEN',
    title: 'Forbidden',
    detail: `This action needs the role ${roles.join(' or ')}, which your account does not have.`,
    extensions: { roles: [...roles] },
  });
}

/**
 * 403 for an API key whose owner holds `permission` but whose scopes do not include it: the key
 * was made for less, and a new key with the scope is the fix.
 */
export function insufficientScopeError(permission: string): RampartError {
  return new RampartError({
    status: 403,
    code: 'ERR_INSUFFICIENT_SCOPE',
    title: 'Forbidden',
    detail: `This API key lacks the scope ${permission}. Use a key created with that scope.`,
    extensions: { permission },
  });
}

/**
 * 403 for an API key (any caller limited by scopes) on a route that declares no permission: a
 * route about the account itself (its keys, password, MFA, sessions). No scope opens it, so a
 * leaked key can never mint keys or change credentials; a bearer token or a session can.
 */
export function accountRouteScopeError(): RampartError {
  return new RampartError({
    status: 403,
    code: 'ERR_INSUFFICIENT_SCOPE',
    title: 'Forbidden',
    detail:
      'This action manages the account and is not open to API keys, whatever their scopes. Use a bearer token or a session.',
  });
}

/** 403 for a role change beyond what the actor may give. */
export function privilegeEscalationError(role: string): RampartError {
  return new RampartError({
    status: 403,
    code: 'ERR_PRIVILEGE_ESCALATION',
    title: 'Forbidden',
    detail:
      `You may not give the role ${role} to this user: nobody changes their own role, gives a ` +
      'role above their own, or changes the role of someone ranked above them.',
    extensions: { role },
  });
}
