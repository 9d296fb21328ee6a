// HTTP to the API server: plain JSON over node:https with one keep-alive agent, every request rate
// limited and counted, every failure a KubeApiError naming the object. Not client-node's typed
// paths: they serialize built-in kinds through generated models that silently drop fields they do
// not know and turn timestamps into Date objects, build a fresh undici Agent per request (no
// connection is ever reused), and loading client-node alone costs 60-90 MiB. Authentication is
// ours for certificates and tokens; plugins and proxies go through client-node (delegated-auth.ts),
// imported only when the kubeconfig needs them.

import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import http2, { type ClientHttp2Session } from 'node:http2';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { createSecureContext } from 'node:tls';
import { type Clock, realClock } from '../core/clock.ts';
import type { KubeConnection } from './config.ts';
import type { DelegatedAuth } from './delegated-auth.ts';
import { KubeApiError, type KubeApiErrorContext, type KubeStatus, type Verb } from './errors.ts';
import { TokenBucket } from './rate-limiter.ts';

export interface RequestInfo {
  verb: Verb;
  /** HTTP status as text, or `error` when no answer came back. */
  code: string;
  durationMs: number;
}

export interface TransportOptions {
  /** Client-side limit in requests per second; 0 turns it off. @default 20 (controller-runtime) */
  qps?: number;
  /** @default 30 */
  burst?: number;
  /** Per-request timeout (for watches: until the response headers). @default 30_000 */
  timeoutMs?: number;
  /**
   * Act as another user to test RBAC, e.g. `system:serviceaccount:ns:name` (the API server adds a
   * service account's groups itself).
   */
  impersonate?: { user: string };
  /** Called after every request: the hook metrics count API calls by verb and code with. */
  onRequest?: (info: RequestInfo) => void;
  /** When a token file was last read (it is read again after a minute). @default realClock */
  clock?: Clock;
  /**
   * Speak HTTP/2 to an https API server (as client-go does): one connection carries every request
   * and watch, and a request costs a third less CPU than over HTTP/1.1 keep-alive. Not with a
   * delegated authenticator (its agent speaks HTTP/1.1). @default false
   */
  http2?: boolean;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const MAX_RETRIES = 5;

export interface HttpRequest {
  verb: Verb;
  method: Method;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  context: KubeApiErrorContext;
  signal?: AbortSignal;
  /** Read the body to its end but do not parse it (the caller has no use for the answer). */
  discardBody?: boolean;
  /** The Accept header. @default application/json */
  accept?: string;
  /** Parses the body's text. @default JSON.parse */
  parse?: (text: string) => unknown;
}

interface HttpResponse {
  httpStatusCode: number;
  headers: IncomingHttpHeaders;
  /** text(true) reads the body to its end without keeping it (answers ''). */
  body: { text(discard?: boolean): Promise<string>; stream(): Readable };
}

/**
 * `?k=v&…` of the defined values, percent-encoded. Not a URL object per request: parsing one and
 * serialising its searchParams was 1.4% of the operator's CPU while converging.
 */
export function queryString(query: HttpRequest['query']): string {
  let out = '';
  if (!query) return out;
  for (const k in query) {
    const v = query[k];
    if (v === undefined) continue;
    out += `${out ? '&' : '?'}${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`;
  }
  return out;
}

/** How a TLS handshake offering only h2 to an HTTP/1.1-only server fails (ALPN alert 120). */
const NO_HTTP2 = /no application protocol/i;

/** Service-account tokens rotate; client-go reads the file again every minute. */
const TOKEN_FILE_TTL_MS = 60_000;

export class Transport {
  readonly connection: KubeConnection;
  private readonly limiter: TokenBucket;
  private readonly timeoutMs: number;
  private readonly impersonate: TransportOptions['impersonate'];
  private readonly onRequest: TransportOptions['onRequest'];
  private readonly counts = new Map<Verb, number>();
  private agent: http.Agent | undefined;
  /** Cleared for good when the server refuses HTTP/2 (ALPN): HTTP/1.1 from then on. */
  private http2: boolean;
  private session: ClientHttp2Session | undefined;
  private delegated: Promise<DelegatedAuth> | undefined;
  private fileToken: { value: string; readAt: number } | undefined;
  private readonly clock: Clock;
  /** The server URL's own path (a proxy's prefix), without a trailing slash: HTTP/2 paths start with it. */
  private readonly basePath: string;

  constructor(connection: KubeConnection, options: TransportOptions = {}) {
    this.connection = connection;
    this.clock = options.clock ?? realClock;
    this.limiter = new TokenBucket({ qps: options.qps ?? 20, burst: options.burst ?? 30 });
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.impersonate = options.impersonate;
    this.onRequest = options.onRequest;
    this.http2 = options.http2 === true && connection.server.startsWith('https:') && !connection.delegate;
    this.basePath = new URL(connection.server).pathname.replace(/\/+$/, '');
  }

  /** The protocol requests go out with now. */
  protocol(): 'h2' | 'http/1.1' {
    return this.http2 ? 'h2' : 'http/1.1';
  }

  /** Closes the HTTP/2 connection, if one is open (open streams end with it). */
  close(): void {
    this.session?.close();
    this.session = undefined;
  }

  /** Requests sent so far, by verb. */
  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** Sends a request and returns the parsed JSON body. */
  async request<T = unknown>(req: HttpRequest): Promise<T> {
    const { response, finish, fail } = await this.send(req, false);
    try {
      const text = await response.body.text(req.discardBody);
      finish();
      return (text && !req.discardBody ? (req.parse ?? JSON.parse)(text) : undefined) as T;
    } catch (err) {
      throw fail(err);
    }
  }

  /**
   * The API server's clock (its `Date` header on GET /version, which every client may read), in
   * milliseconds. Whole seconds: the header has no finer resolution.
   */
  async serverDate(): Promise<number> {
    const req: HttpRequest = {
      verb: 'get',
      method: 'GET',
      path: '/version',
      context: { verb: 'get', path: '/version' },
    };
    const { response, finish, fail } = await this.send(req, false);
    try {
      await response.body.text();
      finish();
    } catch (err) {
      throw fail(err);
    }
    const date = Date.parse(response.headers['date'] ?? '');
    if (Number.isNaN(date)) throw new Error('the API server sent no Date header on /version');
    return date;
  }

  /**
   * Opens a streaming GET (a watch); the connect timeout ends once headers arrive. A Node stream,
   * not a web one: every child status update arrives through a watch, and web-stream plumbing
   * (toWeb, TextDecoderStream, a promise per read) cost more CPU than parsing the events.
   */
  async stream(req: HttpRequest): Promise<Readable> {
    const { response, finish } = await this.send(req, true);
    finish();
    const body = response.body.stream();
    if (!body) throw new KubeApiError(req.context, response.httpStatusCode, { message: 'empty watch body' });
    return body;
  }

  /**
   * Like client-go: a request the API server turned away with 429 (priority and fairness, or
   * storage still initializing), or with a 5xx carrying Retry-After, is sent again after the
   * delay the server asked for (at most 10 s), up to MAX_RETRIES times.
   */
  private async send(req: HttpRequest, streaming: boolean) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.sendOnce(req, streaming);
      } catch (err) {
        const retryable =
          err instanceof KubeApiError &&
          (err.status === 429 || (err.status >= 500 && err.retryAfterSeconds !== undefined));
        if (!retryable || attempt >= MAX_RETRIES || req.signal?.aborted) throw err;
        const delayMs = Math.min(10, Math.max(0, err.retryAfterSeconds ?? 1)) * 1000;
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }

  private async sendOnce(req: HttpRequest, streaming: boolean) {
    await this.limiter.take();
    this.counts.set(req.verb, (this.counts.get(req.verb) ?? 0) + 1);
    const started = performance.now();
    const report = (code: string) =>
      this.onRequest?.({ verb: req.verb, code, durationMs: performance.now() - started });

    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new Error(`no answer within ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    const onCallerAbort = () => abort.abort(req.signal?.reason);
    if (req.signal?.aborted) onCallerAbort();
    req.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      if (!streaming) req.signal?.removeEventListener('abort', onCallerAbort);
    };
    const fail = (err: unknown): KubeApiError => {
      cleanup();
      if (err instanceof KubeApiError) return err;
      report('error');
      const cause = (err as { cause?: unknown })?.cause ?? err;
      const message = abort.signal.aborted
        ? String((abort.signal.reason as Error)?.message ?? 'aborted')
        : String((cause as Error)?.message ?? cause);
      return new KubeApiError(req.context, 0, { message }, err);
    };

    let response: HttpResponse;
    try {
      response = await this.exchange(req, abort.signal);
    } catch (err) {
      throw fail(err);
    }
    if (response.httpStatusCode < 200 || response.httpStatusCode > 299) {
      let status: KubeStatus = {};
      try {
        const text = await response.body.text();
        status = parseStatus(text);
      } catch {
        // The body is only for the message; the status code says enough.
      }
      cleanup();
      report(String(response.httpStatusCode));
      const header = Number.parseInt(response.headers['retry-after'] ?? '', 10);
      if (Number.isFinite(header)) status.retryAfterSeconds = header;
      throw new KubeApiError(req.context, response.httpStatusCode, status);
    }
    return {
      response,
      finish: () => {
        cleanup();
        report(String(response.httpStatusCode));
      },
      fail,
    };
  }

  /** One HTTP exchange: resolves once the response headers are in. */
  private async exchange(req: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
    const target = req.path + queryString(req.query);
    // Headers (tokens may rotate) come fresh each time; the agent is built once and reused.
    const headers: Record<string, string> = {
      Accept: req.accept ?? 'application/json',
      ...(await this.authHeaders()),
    };
    if (this.impersonate) headers['Impersonate-User'] = this.impersonate.user;
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    if (this.http2) {
      try {
        return await this.exchangeHttp2(req, this.basePath + target, headers, body, signal);
      } catch (err) {
        // A server that serves HTTP/1.1 only (kube-apiserver --disable-http2-serving, a proxy)
        // refuses the protocol during the handshake: nothing was sent, so HTTP/1.1 may send it.
        if (!NO_HTTP2.test(`${(err as Error)?.message ?? err}`)) throw err;
        this.http2 = false;
        this.close();
      }
    }
    const agent = await this.httpAgent();
    const url = new URL(this.connection.server + target);
    const send = url.protocol === 'http:' ? http.request : https.request;
    const attempt = (mayResend: boolean): Promise<HttpResponse> =>
      new Promise<HttpResponse>((resolve, reject) => {
        const request = send(url, { method: req.method, headers, agent, signal }, (res) => {
          resolve({
            httpStatusCode: res.statusCode ?? 0,
            headers: res.headers,
            body: {
              text: (discard) =>
                readText(res, () => res.complete, 'the connection closed before the response ended', discard),
              stream: () => res,
            },
          });
        });
        request.once('error', (err: NodeJS.ErrnoException) => {
          // A kept-alive connection the server closed while it sat idle fails the next request
          // sent on it before any answer ("socket hang up"). It goes out once more on a new
          // connection, as Node's documentation advises for this race. Writes here are keyed by
          // name: one that did land after all answers 409 (a delete 404) rather than doubling.
          if (
            mayResend &&
            request.reusedSocket &&
            err.code === 'ECONNRESET' &&
            !signal.aborted &&
            replayable(req)
          )
            resolve(attempt(false));
          else reject(err);
        });
        request.end(body);
      });
    return attempt(true);
  }

  /** One exchange as a stream of the shared HTTP/2 connection. */
  private exchangeHttp2(
    req: HttpRequest,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<HttpResponse> {
    const session = this.http2Session();
    const h2headers: http2.OutgoingHttpHeaders = {
      ':method': req.method,
      ':path': path,
    };
    for (const [k, v] of Object.entries(headers)) h2headers[k.toLowerCase()] = v;
    return new Promise<HttpResponse>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const stream = session.request(h2headers, { endStream: body === undefined });
      let responded = false;
      const onAbort = () => {
        // No answer at all before the deadline: the connection may be dead (half-open), and every
        // request and watch shares it; a new one is opened for what comes next.
        if (!responded && this.session === session) {
          this.session = undefined;
          session.destroy();
        }
        stream.close(http2.constants.NGHTTP2_CANCEL);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      stream.once('close', () => signal.removeEventListener('abort', onAbort));
      stream.once('error', reject);
      stream.once('response', (h) => {
        responded = true;
        const { ':status': status, ...rest } = h;
        resolve({
          httpStatusCode: Number(status ?? 0),
          headers: rest as IncomingHttpHeaders,
          body: {
            text: (discard) =>
              readText(
                stream,
                () => stream.readableEnded,
                'the stream closed before the response ended',
                discard,
              ),
            stream: () => stream,
          },
        });
      });
      if (body !== undefined) stream.end(body);
    });
  }

  private http2Session(): ClientHttp2Session {
    const open = this.session;
    if (open && !open.closed && !open.destroyed) return open;
    const c = this.connection;
    const session = http2.connect(c.server, {
      ...(c.ca ? { ca: c.ca } : {}),
      ...(c.cert ? { cert: c.cert } : {}),
      ...(c.key ? { key: c.key } : {}),
      ...(c.tlsServerName ? { servername: c.tlsServerName } : {}),
      rejectUnauthorized: !c.insecureSkipTlsVerify,
    });
    const forget = () => {
      if (this.session === session) this.session = undefined;
    };
    // Failures reach the streams; a connection the server is closing (GOAWAY) takes no new ones.
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    // Requests keep the process alive with their timers; an idle connection must not.
    session.unref();
    this.session = session;
    return session;
  }

  private async httpAgent(): Promise<http.Agent | undefined> {
    if (this.agent) return this.agent;
    const c = this.connection;
    if (c.delegate) this.agent = (await this.delegatedAuth()).agent;
    else if (c.server.startsWith('https:')) {
      this.agent = new https.Agent({
        keepAlive: true,
        // One TLS context for every connection. Given ca/cert/key instead, tls.connect builds a
        // new context per connection (parsing the CA bundle and the key each time): at scale the
        // agent opens connections for every burst of parallel applies, and the profile of a
        // 100-Storefront run showed those contexts at 4% of the operator's CPU.
        secureContext: createSecureContext({
          ...(c.ca ? { ca: c.ca } : {}),
          ...(c.cert ? { cert: c.cert } : {}),
          ...(c.key ? { key: c.key } : {}),
        }),
        ...(c.tlsServerName ? { servername: c.tlsServerName } : {}),
        rejectUnauthorized: !c.insecureSkipTlsVerify,
      });
    } else this.agent = new http.Agent({ keepAlive: true });
    return this.agent;
  }

  private delegatedAuth(): Promise<DelegatedAuth> {
    this.delegated ??= import('./delegated-auth.ts').then((m) => m.delegatedAuth(this.connection.delegate!));
    return this.delegated;
  }

  private async authHeaders(): Promise<Record<string, string>> {
    const c = this.connection;
    if (c.delegate) return (await this.delegatedAuth()).headers();
    let token = c.token;
    if (!token && c.tokenFile) {
      const now = this.clock.now();
      if (!this.fileToken || now - this.fileToken.readAt > TOKEN_FILE_TTL_MS)
        this.fileToken = { value: readFileSync(c.tokenFile, 'utf8').trim(), readAt: now };
      token = this.fileToken.value;
    }
    return token ? { Authorization: `Bearer ${token}` } : {};
  }
}

/** Whether sending the request twice cannot make two objects: only a create by generateName can. */
function replayable(req: HttpRequest): boolean {
  const meta = (req.body as { metadata?: { name?: string; generateName?: string } } | undefined)?.metadata;
  return req.method !== 'POST' || !(meta?.generateName && !meta.name);
}

/**
 * A response body read to its end as UTF-8; a close before `ended()` holds is a failure. With
 * `discard` the chunks are dropped as they come: the operator's applies answer with the whole
 * object (~8 KB with managedFields), which its watches bring anyway.
 */
function readText(
  body: Readable,
  ended: () => boolean,
  closedEarly: string,
  discard = false,
): Promise<string> {
  return new Promise<string>((ok, failed) => {
    const chunks: Buffer[] = [];
    body.on('data', (c: Buffer) => {
      if (!discard) chunks.push(c);
    });
    body.once('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    body.once('error', failed);
    body.once('close', () => {
      if (!ended()) failed(new Error(closedEarly));
    });
  });
}

function parseStatus(text: string): KubeStatus {
  try {
    const body = JSON.parse(text) as KubeStatus & { kind?: string; details?: { retryAfterSeconds?: number } };
    const status: KubeStatus = {
      reason: body.reason,
      message: body.message,
      code: body.code,
      details: body.details,
    };
    if (typeof body.details?.retryAfterSeconds === 'number')
      status.retryAfterSeconds = body.details.retryAfterSeconds;
    return status;
  } catch {
    return { message: text.slice(0, 500) };
  }
}
