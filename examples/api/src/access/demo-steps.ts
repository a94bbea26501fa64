import { account, jsonRequest, keep, saved } from '../demo/requests.js';
import type { Step, StepRequest, Tour } from '../demo/tour.js';

const LOGIN = '/api/v1/auth/login';
const REGISTER = '/api/v1/auth/register';
const USERS = '/api/v1/admin/users';
const SETTINGS = '/api/v1/admin/security/settings';
const ME = '/api/v1/me';
/** A documentation address (RFC 5737) the tour claims to come from, through the trusted proxy. */
const BLOCKED_IP = '198.51.100.7';

const adminLogin = (tour: Tour) =>
  jsonRequest('POST', LOGIN, {
    email: tour.secrets.ADMIN_EMAIL as string,
    password: tour.secrets.ADMIN_PASSWORD as string,
  });
const asRoot = (tour: Tour) => saved(tour, 'acRoot.accessToken');
const asMember = (tour: Tour) => saved(tour, 'acMember.accessToken');
const setRole = (tour: Tour, role: string, token: string): StepRequest =>
  jsonRequest('POST', `${USERS}/${saved(tour, 'acMemberId.id')}/role`, { role }, token);
/**
 * The tour's member registers and logs in from its own address (RFC 5737, through the trusted
 * loopback proxy): the per-IP register and login budgets of 127.0.0.1 are spent by earlier steps.
 */
const MEMBER_IP = '203.0.113.20';
const fromIp =
  (ip: string) =>
  (request: StepRequest): StepRequest => ({
    ...request,
    headers: { ...request.headers, 'x-forwarded-for': ip },
  });
const fromBlocked = fromIp(BLOCKED_IP);
const fromMember = fromIp(MEMBER_IP);

/**
 * Issue 20 (access-control, settings, IP filter): the super_admin lists users; a member promoted
 * to admin is refused when giving super_admin (an escalation); demoted to guest, the same token
 * is refused the admin list on its next request; an invalid settings patch changes nothing; a
 * blacklisted address gets 403 ERR_IP_BLOCKED at once, /health excepted, until it is removed.
 */
export const accessSteps: readonly Step[] = [
  {
    name: 'access: super_admin login',
    request: (tour) => fromMember(adminLogin(tour)),
    expect: { status: 200 },
    save: keep('acRoot', 'accessToken'),
  },
  {
    name: 'access: register a member',
    request: (tour) => fromMember(jsonRequest('POST', REGISTER, account(tour, 'member'))),
    expect: { status: 201 },
    save: keep('acMemberId', 'id'),
  },
  {
    name: 'access: member login',
    request: (tour) => fromMember(jsonRequest('POST', LOGIN, account(tour, 'member'))),
    expect: { status: 200 },
    save: keep('acMember', 'accessToken'),
  },
  {
    name: 'access: a user may not list users',
    request: (tour) => jsonRequest('GET', USERS, undefined, asMember(tour)),
    expect: { status: 403, problem: { code: 'ERR_FORBIDDEN' }, json: { permission: 'users:read' } },
  },
  {
    name: 'access: nor through HEAD or OPTIONS',
    request: (tour) => jsonRequest('OPTIONS', USERS, undefined, asMember(tour)),
    expect: { status: 403, problem: { code: 'ERR_FORBIDDEN' } },
  },
  {
    name: 'access: super_admin lists users',
    request: (tour) => jsonRequest('GET', `${USERS}?limit=10`, undefined, asRoot(tour)),
    expect: { status: 200 },
  },
  {
    name: 'access: super_admin promotes the member to admin',
    request: (tour) => setRole(tour, 'admin', asRoot(tour)),
    expect: { status: 200, json: { role: 'admin' } },
  },
  {
    name: 'access: the new admin gives itself super_admin: escalation refused',
    request: (tour) => setRole(tour, 'super_admin', asMember(tour)),
    expect: { status: 403, problem: { code: 'ERR_PRIVILEGE_ESCALATION' } },
  },
  {
    name: 'access: super_admin demotes the member to guest',
    request: (tour) => setRole(tour, 'guest', asRoot(tour)),
    expect: { status: 200, json: { role: 'guest' } },
  },
  {
    name: 'access: a guest is refused, with the token it had before',
    request: (tour) => jsonRequest('GET', USERS, undefined, asMember(tour)),
    expect: { status: 403, problem: { code: 'ERR_FORBIDDEN' } },
  },
  {
    name: 'access: an invalid settings patch changes nothing',
    request: (tour) =>
      jsonRequest('PATCH', SETTINGS, { security: { ipBlacklist: ['10.0.0.0/33'] } }, asRoot(tour)),
    expect: { status: 400, problem: { code: 'ERR_SETTINGS_INVALID' } },
  },
  {
    name: 'access: blacklist an address',
    request: (tour) =>
      jsonRequest(
        'PATCH',
        SETTINGS,
        { security: { ipBlacklist: ['198.51.100.0/24'] } },
        asRoot(tour),
      ),
    expect: { status: 200 },
  },
  {
    name: 'access: the blocked address is refused on its next request',
    request: (tour) => fromBlocked(jsonRequest('GET', ME, undefined, asRoot(tour))),
    expect: { status: 403, problem: { code: 'ERR_IP_BLOCKED' } },
  },
  {
    name: 'access: but /health answers it',
    request: fromBlocked({ method: 'GET', path: '/health' }),
    expect: { status: 200 },
  },
  {
    name: 'access: lift the block',
    request: (tour) =>
      jsonRequest('PATCH', SETTINGS, { security: { ipBlacklist: [] } }, asRoot(tour)),
    expect: { status: 200 },
  },
];
