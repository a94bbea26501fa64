import { generateSync } from 'otplib';
import { jsonRequest, keep, saved } from '../demo/requests.js';
import type { Step, StepResponse, Tour } from '../demo/tour.js';

const LOGIN = '/api/v1/auth/login';
const SETUP = '/api/v1/auth/mfa/setup';
const ENABLE = '/api/v1/auth/mfa/enable';
const CHALLENGE = '/api/v1/auth/mfa/challenge';
const DISABLE = '/api/v1/auth/mfa/disable';
const ME = '/api/v1/me';
const PERIOD_MS = 30_000;

const admin = (tour: Tour) => ({
  email: tour.secrets.ADMIN_EMAIL as string,
  password: tour.secrets.ADMIN_PASSWORD as string,
});
const adminLogin = (tour: Tour) => jsonRequest('POST', LOGIN, admin(tour));
const asAdmin = (tour: Tour, key: string) => saved(tour, key);

/**
 * What an authenticator app shows: the code of the secret in the setup's otpauth URL, `offset`
 * steps after the step the tour enabled MFA in (computed by the tour, as a phone would).
 */
function code(tour: Tour, offset: number): string {
  const secret = new URL(saved(tour, 'mfa.otpauthUrl')).searchParams.get('secret') as string;
  const step = Number(saved(tour, 'mfa.step')) + offset;
  return generateSync({ secret, epoch: step * (PERIOD_MS / 1000) });
}

function recoveryCode(tour: Tour, index: number): string {
  const codes = tour.vars.get('mfa.recoveryCodes') as string[] | undefined;
  const found = codes?.[index];
  if (found === undefined) throw new Error('an earlier step did not save the recovery codes');
  return found;
}

/**
 * Issue 18 (mfa): the admin enrols (the QR's otpauth URL), enables with a code the tour computes,
 * logs in (password, then `mfaToken` and a code), sees the same code refused as a replay, signs
 * in with a recovery code, sees that recovery code refused the second time, and turns MFA off
 * again with another. Three admin logins, within its login budget.
 */
export const mfaSteps: readonly Step[] = [
  {
    name: 'mfa: admin login (no MFA yet)',
    request: adminLogin,
    expect: { status: 200, json: { tokenType: 'Bearer' } },
    save: keep('mfaAdmin', 'accessToken'),
  },
  {
    name: 'mfa: setup',
    request: (tour) => jsonRequest('POST', SETUP, undefined, asAdmin(tour, 'mfaAdmin.accessToken')),
    expect: { status: 200 },
    save: (response: StepResponse, tour: Tour) => {
      keep('mfa', 'otpauthUrl', 'qrCodeDataUrl', 'qrCodeSvg')(response, tour);
      tour.vars.set('mfa.step', String(Math.floor(Date.now() / PERIOD_MS)));
    },
  },
  {
    name: 'mfa: enable with the code of the QR secret',
    request: (tour) =>
      jsonRequest('POST', ENABLE, { code: code(tour, 0) }, asAdmin(tour, 'mfaAdmin.accessToken')),
    expect: { status: 200 },
    save: (response: StepResponse, tour: Tour) => {
      const codes = (response.json as { recoveryCodes?: unknown }).recoveryCodes;
      if (!Array.isArray(codes) || codes.length !== 10)
        throw new Error('expected 10 recovery codes');
      tour.vars.set('mfa.recoveryCodes', codes);
    },
  },
  {
    name: 'mfa: me says enabled',
    request: (tour) => jsonRequest('GET', ME, undefined, asAdmin(tour, 'mfaAdmin.accessToken')),
    expect: { status: 200, json: { mfaEnabled: true } },
  },
  {
    name: 'mfa: login asks for a code',
    request: adminLogin,
    expect: { status: 200, json: { mfaRequired: true } },
    save: keep('mfaLogin1', 'mfaToken'),
  },
  {
    name: 'mfa: challenge with the next code',
    request: (tour) =>
      jsonRequest('POST', CHALLENGE, {
        mfaToken: saved(tour, 'mfaLogin1.mfaToken'),
        code: code(tour, 1),
      }),
    expect: { status: 200, json: { tokenType: 'Bearer' } },
  },
  {
    name: 'mfa: login again',
    request: adminLogin,
    expect: { status: 200, json: { mfaRequired: true } },
    save: keep('mfaLogin2', 'mfaToken'),
  },
  {
    name: 'mfa: the same code again is a replay',
    request: (tour) =>
      jsonRequest('POST', CHALLENGE, {
        mfaToken: saved(tour, 'mfaLogin2.mfaToken'),
        code: code(tour, 1),
      }),
    expect: { status: 401, problem: { code: 'ERR_MFA_CODE_REPLAYED' } },
  },
  {
    name: 'mfa: a recovery code instead',
    request: (tour) =>
      jsonRequest('POST', CHALLENGE, {
        mfaToken: saved(tour, 'mfaLogin2.mfaToken'),
        code: recoveryCode(tour, 0),
      }),
    expect: { status: 200, json: { tokenType: 'Bearer' } },
    save: keep('mfaSession', 'accessToken'),
  },
  {
    name: 'mfa: the used recovery code is refused',
    request: (tour) =>
      jsonRequest(
        'POST',
        DISABLE,
        { code: recoveryCode(tour, 0) },
        saved(tour, 'mfaSession.accessToken'),
      ),
    expect: { status: 401, problem: { code: 'ERR_MFA_CODE_INVALID' } },
  },
  {
    name: 'mfa: disable with another recovery code',
    request: (tour) =>
      jsonRequest(
        'POST',
        DISABLE,
        { code: recoveryCode(tour, 1) },
        saved(tour, 'mfaSession.accessToken'),
      ),
    expect: { status: 200, json: { mfaEnabled: false } },
  },
];
