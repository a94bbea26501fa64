import { parseOptions, StoreFullError } from '@rampart/core';
import { z } from 'zod';
import type { TrustedDeviceRecord, TrustedDeviceStore } from '../trusted-device-store.js';

/** Options of {@link MemoryTrustedDeviceStore}. */
export interface MemoryTrustedDeviceStoreOptions {
  /** Most devices held, expired-but-unswept ones included; a full store refuses (503). Default 100 000. */
  maxEntries?: number;
}

const optionsSchema = z.strictObject({
  maxEntries: z.number().int().min(1).default(100_000),
});

/**
 * A `TrustedDeviceStore` in this process's memory: for one instance and for tests. Expired
 * devices are dropped when their user adds one, and when the store is full.
 */
export class MemoryTrustedDeviceStore implements TrustedDeviceStore {
  readonly maxEntries: number;
  readonly #byUser = new Map<string, Map<string, TrustedDeviceRecord>>();
  #size = 0;

  constructor(options: MemoryTrustedDeviceStoreOptions = {}) {
    this.maxEntries = parseOptions('MemoryTrustedDeviceStore', optionsSchema, options).maxEntries;
  }

  async add(record: TrustedDeviceRecord, maxPerUser: number, now: number): Promise<void> {
    const devices = this.#byUser.get(record.userId) ?? new Map<string, TrustedDeviceRecord>();
    this.#prune(devices, now);
    const oldestFirst = [...devices.values()].sort((a, b) => a.createdAt - b.createdAt);
    for (const doomed of oldestFirst.slice(0, Math.max(0, devices.size - maxPerUser + 1))) {
      devices.delete(doomed.id);
      this.#size--;
    }
    if (this.#size >= this.maxEntries) {
      for (const userDevices of this.#byUser.values()) this.#prune(userDevices, now);
      if (this.#size >= this.maxEntries)
        throw new StoreFullError('memory-trusted-device-store', this.maxEntries);
    }
    devices.set(record.id, record);
    this.#size++;
    this.#byUser.set(record.userId, devices);
  }

  async find(userId: string, id: string, now: number): Promise<TrustedDeviceRecord | undefined> {
    const record = this.#byUser.get(userId)?.get(id);
    return record !== undefined && now < record.expiresAt ? record : undefined;
  }

  async list(userId: string, now: number): Promise<TrustedDeviceRecord[]> {
    return [...(this.#byUser.get(userId)?.values() ?? [])].filter(
      (record) => now < record.expiresAt,
    );
  }

  async revoke(userId: string, id: string): Promise<boolean> {
    const devices = this.#byUser.get(userId);
    if (devices?.delete(id) !== true) return false;
    this.#size--;
    return true;
  }

  async revokeAllForUser(userId: string): Promise<void> {
    this.#size -= this.#byUser.get(userId)?.size ?? 0;
    this.#byUser.delete(userId);
  }

  async purgeUser(userId: string): Promise<void> {
    await this.revokeAllForUser(userId);
  }

  #prune(devices: Map<string, TrustedDeviceRecord>, now: number): void {
    for (const [id, record] of devices) {
      if (now >= record.expiresAt) {
        devices.delete(id);
        this.#size--;
      }
    }
  }
}
