import { RampartError, type UserDataPurger } from '@rampart/core';

/** A user as the stores hold it. */
export interface User {
  /** Random UUID: never an email, so a token's `sub` says nothing about who it is. */
  readonly id: string;
  /** Normalised: trimmed and lower-case (see `normalizeEmail`). */
  readonly email: string;
  /** argon2id PHC string from `@rampart/passwords`. */
  readonly passwordHash: string;
  /**
   * `guest`, `user`, `admin` or `super_admin`, stored as text: any other value (a typo, a role
   * of a later release) is kept and gets no permission (see `access/app-access.ts`), failing closed.
   */
  readonly role: string;
  /** A locked user cannot log in. */
  readonly locked: boolean;
  /** Epoch ms. */
  readonly createdAt: number;
}

/**
 * The users of the app, on one backend. Every method is one store operation; `create` is atomic
 * on the email (an insert that fails on a taken email, never a read then a write), so two
 * concurrent registrations of one address cannot both succeed.
 */
export interface UserStore extends UserDataPurger {
  /**
   * Stores `user` as given (the caller picks the id and the time, so every backend holds the
   * same values); rejects with a 409 `ERR_EMAIL_TAKEN` when its email is taken.
   */
  create(user: User): Promise<void>;
  /** The user with this email (normalised here too), if any. */
  findByEmail(email: string): Promise<User | undefined>;
  findById(id: string): Promise<User | undefined>;
  /**
   * A page of users in id order: at most `limit`, after the user whose id is `cursor` when given;
   * `nextCursor` (the last id of the page) when more may follow.
   */
  list(limit: number, cursor?: string): Promise<{ items: User[]; nextCursor?: string }>;
  /** Sets the user's role; resolves the updated user, or `undefined` when there is none. */
  setRole(id: string, role: string): Promise<User | undefined>;
  /**
   * Replaces the hash only while it still is `expected`, the one the caller read (a login's
   * rehash, a password change, a provider's claim); resolves whether it wrote. Of two writers
   * over one read hash one wins, so a stale rehash or a change whose current password was
   * replaced meanwhile cannot bring an old password back.
   */
  setPasswordHash(id: string, passwordHash: string, expected: string): Promise<boolean>;
  /** Right to erasure (core's `UserDataPurger`): forgets the user and frees the email. */
  purgeUser(userId: string): Promise<void>;
}

/** ASCII spaces, tabs and line breaks at either end. */
const EDGE_WHITESPACE = /^[ \t\r\n]+|[ \t\r\n]+$/g;
const ASCII_UPPER = /[A-Z]+/g;
const lowerCase = (letters: string) => letters.toLowerCase();

/**
 * The one spelling of an email the app stores and looks up: ` Alice@Example.COM ` and
 * `alice@example.com` are one account, so nobody registers a look-alike of a taken address.
 */
export function normalizeEmail(email: string): string {
  // ASCII only, both ways: `String#toLowerCase` maps U+212A KELVIN SIGN to "k" and `String#trim`
  // drops U+3000 or U+FEFF, which would quietly turn non-ASCII input into another address.
  return email.replace(EDGE_WHITESPACE, '').replace(ASCII_UPPER, lowerCase);
}

/** 409: the email is taken. Registration is public, so this says no more than that. */
export function emailTakenError(): RampartError {
  return new RampartError({
    status: 409,
    code: 'ERR_EMAIL_TAKEN',
    title: 'Conflict',
    detail: 'An account with this email already exists. Log in, or register another email.',
  });
}
