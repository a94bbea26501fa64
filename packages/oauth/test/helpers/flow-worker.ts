/**
 * One app process of the three-process test (run by test-utils' runInWorkers): its own OAuth
 * service, sharing nothing with the others but the key ring's key. Phase `start` begins a flow
 * and plays the browser at the issuer; phase `finish` completes a flow another process began.
 */
import { createKeyRing } from '@rampart/crypto';
import { createOAuth, discoverOidcProvider, MemoryOAuthLinkStore } from '../../src/index.js';
import { authorize, CLIENT_ID, cookiePair } from './provider.js';

export interface FlowWorkerInput {
  readonly phase: 'start' | 'finish';
  readonly issuer: string;
  /** base64url of the 32-byte key every process shares. */
  readonly key: string;
  readonly flow?: { code: string; state: string; cookie: string };
}

export interface FlowWorkerOutput {
  readonly pid: number;
  readonly flow?: { code: string; state: string; cookie: string };
  readonly userId?: string;
}

export default async function prepare(
  input: FlowWorkerInput,
): Promise<() => Promise<FlowWorkerOutput>> {
  const oauth = createOAuth({
    providers: [
      await discoverOidcProvider({
        issuer: input.issuer,
        clientId: CLIENT_ID,
        clientSecret: 'test-secret',
        redirectUri: 'http://localhost:9/callback',
      }),
    ],
    keyRing: createKeyRing({ keys: [{ id: 'k1', key: input.key }] }),
    links: new MemoryOAuthLinkStore(),
    users: {
      findByVerifiedEmail: async () => undefined,
      createUser: async ({ email }) => `user:${email}`,
    },
  });
  return async () => {
    if (input.phase === 'start') {
      const started = oauth.start('oidc');
      const { code, state } = await authorize(started.location);
      return { pid: process.pid, flow: { code, state, cookie: cookiePair(started.setCookie) } };
    }
    const flow = input.flow as NonNullable<FlowWorkerInput['flow']>;
    const signIn = await oauth.callback('oidc', {
      query: { code: flow.code, state: flow.state },
      cookieHeader: flow.cookie,
    });
    return { pid: process.pid, userId: signIn.userId };
  };
}
