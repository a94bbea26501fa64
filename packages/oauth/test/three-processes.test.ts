import { randomBytes } from 'node:crypto';
import { runInWorkers } from '@rampart/test-utils';
import type { OAuth2Server } from 'oauth2-mock-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FlowWorkerInput, FlowWorkerOutput } from './helpers/flow-worker.js';
import { CLIENT_ID, startIssuer } from './helpers/provider.js';

// Six Node processes compiling TypeScript on a loaded 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

let issuer: OAuth2Server;
beforeAll(async () => {
  issuer = await startIssuer();
  // Each flow's user has its own verified email, derived from the flow's nonce.
  issuer.service.on('beforeTokenSigning', (token) => {
    if (token.payload.aud !== CLIENT_ID) return;
    token.payload.email = `${String(token.payload.nonce).slice(0, 12).toLowerCase()}@example.com`;
    token.payload.email_verified = true;
  });
});
afterAll(() => issuer.stop());

const WORKER = new URL('./helpers/flow-worker.ts', import.meta.url);

describe('three app processes, no store for the state', () => {
  it('completes in one process each flow another process started', async () => {
    const common = {
      issuer: issuer.issuer.url as string,
      key: randomBytes(32).toString('base64url'),
    };
    const started = await runInWorkers<FlowWorkerInput, FlowWorkerOutput>(
      WORKER,
      [0, 1, 2].map(() => ({ ...common, phase: 'start' as const })),
      { timeoutMs: 110_000 },
    );
    // Process i finishes the flow of process i+1: a new set of processes, nothing shared.
    const finished = await runInWorkers<FlowWorkerInput, FlowWorkerOutput>(
      WORKER,
      started.map((_, i) => ({
        ...common,
        phase: 'finish' as const,
        flow: started[(i + 1) % 3]?.flow,
      })),
      { timeoutMs: 110_000 },
    );
    const starters = new Set(started.map((output) => output.pid));
    for (const output of finished) {
      expect(starters.has(output.pid)).toBe(false);
      expect(output.userId).toMatch(/^user:[a-z0-9]{12}@example\.com$/);
    }
    expect(new Set(finished.map((output) => output.userId)).size).toBe(3);
  });
});
