import type { SecurityEvent, SecurityEventHandler, UserDataPurger } from '@rampart/core';
import { describe, expectTypeOf, it } from 'vitest';
import type {
  AuditPage,
  AuditRecord,
  AuditStore,
  AuditTrail,
  MemoryAuditStore,
  SecurityMetrics,
  VerifyResult,
} from '../src/index.js';
import type { PostgresAuditStore } from '../src/postgres.js';

describe('public types', () => {
  it("the trail takes every package's events and erases users", () => {
    expectTypeOf<AuditTrail['onEvent']>().toExtend<SecurityEventHandler>();
    expectTypeOf<SecurityEvent>().toExtend<Parameters<AuditTrail['record']>[0]>();
    expectTypeOf<{ type: 'PRIVILEGE_ESCALATION'; severity: 'critical' }>().toExtend<
      Parameters<AuditTrail['record']>[0]
    >();
    expectTypeOf<AuditTrail>().toExtend<UserDataPurger>();
    expectTypeOf<AuditTrail['verify']>().returns.resolves.toEqualTypeOf<VerifyResult>();
    expectTypeOf<AuditTrail['query']>().returns.resolves.toEqualTypeOf<AuditPage>();
    expectTypeOf<AuditTrail['metrics']>().returns.resolves.toEqualTypeOf<SecurityMetrics>();
  });

  it('a record has no field for a secret', () => {
    expectTypeOf<keyof AuditRecord>().toEqualTypeOf<
      | 'id'
      | 'chain'
      | 'seq'
      | 'time'
      | 'type'
      | 'severity'
      | 'outcome'
      | 'source'
      | 'actor'
      | 'target'
      | 'requestId'
      | 'code'
      | 'reason'
      | 'method'
      | 'route'
      | 'details'
      | 'aggregate'
      | 'erased'
    >();
    expectTypeOf<AuditRecord['details']>().toEqualTypeOf<
      Record<string, string | number | boolean>
    >();
  });

  it('both stores are AuditStores', () => {
    expectTypeOf<MemoryAuditStore>().toExtend<AuditStore>();
    expectTypeOf<PostgresAuditStore>().toExtend<AuditStore>();
  });
});
