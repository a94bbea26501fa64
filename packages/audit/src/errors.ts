import { RampartError } from '@rampart/core';

/**
 * Another writer appended to the same chain first (two processes configured with one `chainId`).
 * The trail reads the new head and writes its batch again after it; a store author throws it.
 */
export class AuditChainConflictError extends Error {
  readonly code = 'ERR_AUDIT_CHAIN_CONFLICT';
  constructor(chain: string, cause?: unknown) {
    super(`Another writer appended to audit chain ${chain} first.`, { cause });
    this.name = 'AuditChainConflictError';
  }
}

/** 400 `ERR_AUDIT_QUERY_INVALID`: a query parameter of the audit trail is malformed. */
export class AuditQueryError extends RampartError {
  constructor(parameter: string, expected: string) {
    super({
      status: 400,
      code: 'ERR_AUDIT_QUERY_INVALID',
      title: 'Invalid audit query',
      detail: `The ${parameter} parameter must be ${expected}.`,
      extensions: { parameter },
    });
  }
}
