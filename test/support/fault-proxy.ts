import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

/** What the proxy does to a connection. */
export type ProxyFault =
  /** Forward everything. */
  | { readonly kind: 'pass' }
  /** Reset both sides (RST) once `afterBytes` went upstream (client to server). */
  | { readonly kind: 'reset'; readonly afterBytes: number }
  /** Stop forwarding in both directions once `afterBytes` went upstream; keep sockets open. */
  | { readonly kind: 'stall'; readonly afterBytes: number }
  /** Close the client side cleanly (FIN) once `afterBytes` came downstream (server to client). */
  | { readonly kind: 'truncate'; readonly afterBytes: number };

/** A TCP proxy on 127.0.0.1 in front of a real server, injecting faults per connection. */
export interface FaultProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Bytes forwarded from the server to clients so far, over all connections. */
  readonly bytesDown: number;
  /** Applies `fault` to the next `count` new connections (all new ones when unset). */
  inject(fault: ProxyFault, count?: number): void;
  stop(): Promise<void>;
}

/**
 * Starts a proxy that pipes 127.0.0.1:<random> to `targetPort`. Faults apply to connections
 * accepted after {@link FaultProxy.inject}: a client that keeps connections alive sees them on
 * its next new connection.
 */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  let fault: ProxyFault = { kind: 'pass' };
  let remaining = Infinity;
  let connections = 0;
  let bytesDown = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    connections += 1;
    const mine: ProxyFault = remaining > 0 ? fault : { kind: 'pass' };
    remaining -= 1;
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    let up = 0;
    let down = 0;
    let stalled = false;
    client.on('data', (chunk: Buffer) => {
      if (stalled) return;
      up += chunk.length;
      if ((mine.kind === 'reset' || mine.kind === 'stall') && up >= mine.afterBytes) {
        const room = chunk.length - (up - mine.afterBytes);
        if (room > 0) upstream.write(chunk.subarray(0, room));
        if (mine.kind === 'reset') {
          client.resetAndDestroy();
          upstream.resetAndDestroy();
        } else stalled = true;
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (stalled) return;
      down += chunk.length;
      bytesDown += chunk.length;
      if (mine.kind === 'truncate' && down >= mine.afterBytes) {
        const room = chunk.length - (down - mine.afterBytes);
        client.end(chunk.subarray(0, Math.max(room, 0)));
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      if (!stalled) client.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    get bytesDown() {
      return bytesDown;
    },
    inject(next, count) {
      fault = next;
      remaining = count ?? Infinity;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
