import type { AuthContext, UserDataPurger } from '@rampart/core';
import type { RequestHandler } from 'express';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import type { requireRecentMfa as expressRecentMfa } from '../src/express.js';
import type { requireRecentMfa as fastifyRecentMfa, RecentMfaPreHandler } from '../src/fastify.js';
import type {
  createMfa,
  Mfa,
  MfaOptions,
  MfaSetup,
  MfaStore,
  MfaVerification,
  TotpAttemptResult,
  TrustedDevices,
} from '../src/index.js';
import { MemoryMfaStore } from '../src/index.js';
import type { PostgresMfaStore } from '../src/postgres.js';
import type { RedisMfaStore } from '../src/redis.js';

describe('@rampart/mfa public types', () => {
  it('creates an Mfa from options', () => {
    expectTypeOf<typeof createMfa>().parameters.toEqualTypeOf<[MfaOptions]>();
    expectTypeOf<ReturnType<typeof createMfa>>().toEqualTypeOf<Mfa>();
  });

  it('verifies untrusted input (unknown) and answers what the auth context needs', () => {
    expectTypeOf<Mfa['verify']>().parameter(1).toEqualTypeOf<unknown>();
    expectTypeOf<Awaited<ReturnType<Mfa['verify']>>>().toEqualTypeOf<MfaVerification>();
    expectTypeOf<MfaVerification['at']>().toEqualTypeOf<AuthContext['mfaAt'] & number>();
    expectTypeOf<MfaVerification['method']>().toEqualTypeOf<'totp' | 'recovery-code'>();
    expectTypeOf<Awaited<ReturnType<Mfa['setup']>>>().toEqualTypeOf<MfaSetup>();
  });

  it('ships three stores of one contract, each a UserDataPurger', () => {
    expectTypeOf<MemoryMfaStore>().toExtend<MfaStore>();
    expectTypeOf<RedisMfaStore>().toExtend<MfaStore>();
    expectTypeOf<PostgresMfaStore>().toExtend<MfaStore>();
    expectTypeOf<MfaStore>().toExtend<UserDataPurger>();
    expectTypeOf(new MemoryMfaStore()).toExtend<MfaStore>();
  });

  it('tells every attempt outcome apart by its tag', () => {
    expectTypeOf<TotpAttemptResult['outcome']>().toEqualTypeOf<
      'accepted' | 'replayed' | 'wrong' | 'locked' | 'not-enabled' | 'stale'
    >();
  });

  it('takes trusted devices as a narrow interface', () => {
    expectTypeOf<TrustedDevices>().toEqualTypeOf<{
      verify(userId: string, deviceToken: string): Promise<boolean>;
      revokeAllForUser(userId: string): Promise<void>;
    }>();
  });

  it('gives each framework its own step-up guard', () => {
    expectTypeOf<ReturnType<typeof expressRecentMfa>>().toEqualTypeOf<RequestHandler>();
    expectTypeOf<ReturnType<typeof fastifyRecentMfa>>().toEqualTypeOf<RecentMfaPreHandler>();
    expectTypeOf<RecentMfaPreHandler>().parameters.toEqualTypeOf<[FastifyRequest, FastifyReply]>();
  });
});
