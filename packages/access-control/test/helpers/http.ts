import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request to a real listen; the body is read as text (empty for HEAD and 204). */
export async function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(`${base}${path}`, { method, headers });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

export function baseUrl(server: Server): string {
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** Who calls, as the test authenticator reads it. */
export const CALLERS = {
  nobody: {},
  guest: { authorization: 'Bearer guest:g1' },
  user: { authorization: 'Bearer user:u1' },
  admin: { authorization: 'Bearer admin:a1' },
  superAdmin: { authorization: 'Bearer super_admin:s1' },
  userKey: { 'x-api-key': 'user|u1|entities:read' },
  adminKeyNarrow: { 'x-api-key': 'admin|a1|entities:read' },
  adminKeyWide: { 'x-api-key': 'admin|a1|users:*' },
} as const;
