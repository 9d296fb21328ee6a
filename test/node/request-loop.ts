// A client loop through the front door that runs in a worker thread, so the test's own blocking
// work (kubectl syncs, waits) never pauses it: every request opens a new TLS connection (the
// certificate served is seen on each one), verifies the chain against the Storefront's CA for the
// host, and is recorded with its status, the served certificate's serial and any error.
import { Worker } from 'node:worker_threads';

export type LoopResult = {
  /** ms since the loop started */
  at: number;
  status: number;
  serial?: string;
  validTo?: string;
  error?: string;
};

export type RequestLoop = {
  /** What has been recorded so far (a copy). */
  results(): LoopResult[];
  /** Stops the loop after the requests in flight finish; resolves with every result. */
  stop(): Promise<LoopResult[]>;
};

const source = `
const { request } = require('node:https');
const { parentPort, workerData } = require('node:worker_threads');
const { port, host, ca, path, clients, pauseMs } = workerData;
const t0 = Date.now();
let running = true;
parentPort.on('message', (m) => { if (m === 'stop') running = false; });
const once = () => new Promise((resolve) => {
  const at = Date.now() - t0;
  const req = request({ host: '127.0.0.1', port, servername: host, ca, path, headers: { host }, agent: false, timeout: 30000 }, (res) => {
    const cert = res.socket.getPeerCertificate();
    res.resume();
    res.on('end', () => resolve({ at, status: res.statusCode, serial: cert.serialNumber, validTo: cert.valid_to }));
    res.on('error', (e) => resolve({ at, status: 0, error: String(e.code || e.message) }));
  });
  req.on('timeout', () => req.destroy(new Error('timed out after 30 s')));
  req.on('error', (e) => resolve({ at, status: 0, error: String(e.code || e.message) }));
  req.end();
});
const client = async () => {
  while (running) {
    parentPort.postMessage(await once());
    await new Promise((r) => setTimeout(r, pauseMs));
  }
};
Promise.all(Array.from({ length: clients }, client)).then(() => parentPort.postMessage('done'));
`;

/** Starts `clients` sequential request loops (HTTPS GET `path`) in one worker thread. */
export function startRequestLoop(opts: {
  port: number;
  host: string;
  ca: string;
  path?: string;
  clients?: number;
  pauseMs?: number;
}): RequestLoop {
  const results: LoopResult[] = [];
  const worker = new Worker(source, {
    eval: true,
    workerData: { path: '/', clients: 2, pauseMs: 50, ...opts },
  });
  let finished: () => void;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  worker.on('message', (m) => {
    if (m === 'done') finished();
    else results.push(m as LoopResult);
  });
  worker.on('error', (err) => {
    results.push({ at: -1, status: 0, error: `request loop crashed: ${err.message}` });
    finished();
  });
  return {
    results: () => [...results],
    async stop() {
      worker.postMessage('stop');
      await done;
      await worker.terminate();
      return [...results];
    },
  };
}
