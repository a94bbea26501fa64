import type { Socket } from 'node:net';
import type { ClientIpResolver } from '@rampart/core';

/** The resolved IP of each connection's peer, for requests that carry no `X-Forwarded-For`. */
const peerIps = new WeakMap<Socket, string>();

/**
 * The client IP of a request, by the resolver's rules. Without `X-Forwarded-For` the answer
 * depends on the socket peer alone, so it is resolved once per connection and reused by every
 * request on it (keep-alive): the resolver parses and formats the address on each call. With the
 * header the resolver runs every time, since only it knows whether the peer is a trusted proxy.
 */
export function requestIp(
  resolver: ClientIpResolver,
  socket: Socket,
  forwardedFor: string | string[] | undefined,
): string {
  if (forwardedFor !== undefined) return resolver.resolve(socket.remoteAddress, forwardedFor);
  let ip = peerIps.get(socket);
  if (ip === undefined) {
    ip = resolver.resolve(socket.remoteAddress, undefined);
    peerIps.set(socket, ip);
  }
  return ip;
}
