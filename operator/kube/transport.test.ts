import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type HttpRequest, queryString, Transport } from './transport.ts';

describe('queryString', () => {
  it('when there is no query or only undefined values, then it is empty', () => {
    expect(queryString(undefined)).toBe('');
    expect(queryString({ limit: undefined })).toBe('');
  });

  it('when values are set, then they are joined in order and percent-encoded as URLSearchParams would parse them', () => {
    const query = {
      labelSelector: 'storefront.dev/storefront,app.kubernetes.io/managed-by in (storefront, x)',
      limit: 500,
      watch: true,
      continue: undefined,
      fieldManager: 'a&b=c',
    };
    const text = queryString(query);
    expect(text.startsWith('?labelSelector=')).toBe(true);
    expect(text).not.toMatch(/[ ,]/);
    expect(Object.fromEntries(new URLSearchParams(text))).toEqual({
      labelSelector: query.labelSelector,
      limit: '500',
      watch: 'true',
      fieldManager: 'a&b=c',
    });
  });
});

describe('Transport over HTTP/1.1 keep-alive', () => {
  /**
   * A loopback server that answers the first request on its first connection with keep-alive,
   * then closes that connection when the next request arrives on it without answering: what a
   * server closing an idle connection looks like to the client that reuses it at that moment.
   * Every later connection is answered normally.
   */
  async function closingServer() {
    const requests: Array<{ connection: number; line: string }> = [];
    let connections = 0;
    const server = createServer((socket: Socket) => {
      const connection = ++connections;
      let text = '';
      let answered = 0;
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1');
        for (let end = text.indexOf('\r\n\r\n'); end >= 0; end = text.indexOf('\r\n\r\n')) {
          const head = text.slice(0, end);
          const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
          if (text.length < end + 4 + length) return;
          text = text.slice(end + 4 + length);
          requests.push({ connection, line: head.split('\r\n')[0]! });
          if (connection === 1 && answered === 1) {
            socket.destroy();
            return;
          }
          answered++;
          const body = JSON.stringify({ connection });
          socket.write(
            `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body}`,
          );
        }
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { server, url, requests };
  }
  const transportFor = (server: string) =>
    new Transport(
      { server, context: 'test', user: 'test', insecureSkipTlsVerify: false },
      { qps: 100, burst: 100 },
    );
  const create = (name: string, generateName?: string): HttpRequest => ({
    verb: 'create',
    method: 'POST',
    path: '/api/v1/namespaces/a/configmaps',
    body: { metadata: generateName ? { generateName } : { name } },
    context: { verb: 'create', kind: 'ConfigMap', namespace: 'a', name },
  });

  it('when the server closed the kept-alive connection, then the request goes out once more on a new one and gets its answer', async () => {
    const { server, url, requests } = await closingServer();
    try {
      const transport = transportFor(url);
      expect(await transport.request(create('first'))).toEqual({ connection: 1 });
      expect(await transport.request(create('second'))).toEqual({ connection: 2 });
      expect(requests).toEqual([
        { connection: 1, line: 'POST /api/v1/namespaces/a/configmaps HTTP/1.1' },
        { connection: 1, line: 'POST /api/v1/namespaces/a/configmaps HTTP/1.1' },
        { connection: 2, line: 'POST /api/v1/namespaces/a/configmaps HTTP/1.1' },
      ]);
    } finally {
      server.close();
    }
  });

  it('when the request is a create by generateName, then it is not sent twice (a second object could result)', async () => {
    const { server, url, requests } = await closingServer();
    try {
      const transport = transportFor(url);
      await transport.request(create('first'));
      await expect(transport.request(create('', 'gen-'))).rejects.toThrow(/socket hang up/);
      expect(requests.map((r) => r.connection)).toEqual([1, 1]);
    } finally {
      server.close();
    }
  });
});
