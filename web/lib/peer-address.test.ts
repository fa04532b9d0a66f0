import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEER_ADDRESS_HEADER, recordPeerAddresses } from './peer-address';

// A plain Node.js server stands in for `next start`: both get their requests
// from node:http, whose diagnostics channel is what records the peer.
let server: Server;
let port: number;

beforeAll(async () => {
  recordPeerAddresses();
  recordPeerAddresses(); // once per process, however often instrumentation runs
  server = createServer((request, response) => {
    response.end(JSON.stringify(request.headers[PEER_ADDRESS_HEADER] ?? null));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** What the handler saw as the peer, for a request with `headers`. */
function peerSeen(headers: Record<string, string | string[]>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sent = httpRequest({ host: '127.0.0.1', port, headers, agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(JSON.parse(body)));
    });
    sent.on('error', reject);
    sent.end();
  });
}

describe('recordPeerAddresses', () => {
  it('gives every request its TCP peer', async () => {
    expect(await peerSeen({})).toBe('127.0.0.1');
  });

  it('overwrites a peer header the client sent, once or repeated', async () => {
    expect(await peerSeen({ [PEER_ADDRESS_HEADER]: '6.6.6.6', 'x-forwarded-for': '6.6.6.6' })).toBe('127.0.0.1');
    expect(await peerSeen({ [PEER_ADDRESS_HEADER]: ['6.6.6.6', '7.7.7.7'] })).toBe('127.0.0.1');
  });
});
