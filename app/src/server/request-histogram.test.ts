import { Histogram, Registry, type RegistryContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestHistogram } from './request-histogram.ts';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const LABELS = ['method', 'route', 'status_code'] as const;

/** Label sets and values a server sees: several routes and statuses, interleaved, bounds and beyond. */
function observations() {
  const sets = [
    { method: 'GET', route: '/api/products', status_code: 200 },
    { method: 'GET', route: '/api/products', status_code: 304 },
    { method: 'POST', route: '/api/orders', status_code: 201 },
    { method: 'GET', route: 'unmatched', status_code: 404 },
    { method: 'GET', route: '/a "quoted"\\route\n', status_code: 500 },
    { method: 'GET', route: '/api/products', status_code: '200' },
  ];
  const values = [
    0, 0.0004, 0.001, 0.00100001, 0.0025, 0.003, 0.049, 0.05, 0.3, 1, 2.5, 4.99, 5, 5.01, 60, 1e-9,
  ];
  const out: [(typeof sets)[number], number][] = [];
  for (let i = 0; i < 400; i++)
    out.push([{ ...sets[(i * 7) % sets.length]! }, values[(i * 11) % values.length]! * (1 + (i % 3) / 7)]);
  return out;
}

function both() {
  const reference = new Registry<RegistryContentType>();
  const ours = new Registry<RegistryContentType>();
  const options = {
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route template',
    labelNames: LABELS,
    buckets: BUCKETS,
  };
  return {
    reference,
    ours,
    prom: new Histogram({ ...options, registers: [reference] }),
    fast: new RequestHistogram({ ...options, registers: [ours] }),
  };
}

describe('RequestHistogram', () => {
  it('when fed what prom-client’s Histogram is fed, then /metrics text and get() are identical', async () => {
    const { reference, ours, prom, fast } = both();
    for (const [labels, value] of observations()) {
      prom.observe(labels, value);
      fast.observe(labels, value);
    }
    const text = await ours.metrics();
    expect(text).toBe(await reference.metrics());
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/products",status_code="200"}',
    );
    expect(await fast.get()).toEqual(await prom.get());
    reference.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    ours.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    expect(await ours.metrics()).toBe(await reference.metrics());
  });

  it('when observed through a kept series, then it counts as observe() with those labels does', async () => {
    const { reference, ours, prom, fast } = both();
    const labels = { method: 'GET', route: '/api/products', status_code: 200 };
    const series = fast.series(labels);
    for (const [, value] of observations()) {
      prom.observe(labels, value);
      series.observe(value);
    }
    expect(await ours.metrics()).toBe(await reference.metrics());
  });

  it('when a series is only bound, not observed, then nothing is exposed for it, as with prom-client’s labels()', async () => {
    const { reference, ours, prom, fast } = both();
    prom.labels({ method: 'GET', route: '/x', status_code: 200 });
    fast.series({ method: 'GET', route: '/x', status_code: 200 });
    expect(await ours.metrics()).toBe(await reference.metrics());
    expect(await ours.metrics()).not.toContain('route="/x"');
  });

  it('when a value is not a number or a label is unknown, then it refuses as prom-client does', () => {
    const { prom, fast } = both();
    const labels = { method: 'GET', route: '/', status_code: 200 };
    expect(() => prom.observe(labels, Number.NaN)).toThrow(/not a valid number/);
    expect(() => fast.observe(labels, Number.NaN)).toThrow(/not a valid number/);
    const bad = { ...labels, colour: 'red' } as never;
    expect(() => prom.observe(bad, 1)).toThrow(/colour/);
    expect(() => fast.observe(bad, 1)).toThrow(/colour/);
    expect(() => fast.series(bad)).toThrow(/colour/);
  });

  it('when reset, then it exposes no series until observed again (kept series included), as prom-client does', async () => {
    const { reference, ours, prom, fast } = both();
    prom.observe({ method: 'GET', route: '/', status_code: 200 }, 0.01);
    fast.observe({ method: 'GET', route: '/', status_code: 200 }, 0.01);
    const kept = fast.series({ method: 'GET', route: '/', status_code: 200 });
    const keptProm = prom.labels({ method: 'GET', route: '/', status_code: 200 });
    prom.reset();
    fast.reset();
    expect(await ours.metrics()).toBe(await reference.metrics());
    keptProm.observe(0.2);
    kept.observe(0.2);
    expect(await ours.metrics()).toBe(await reference.metrics());
    expect(await ours.metrics()).toContain('_count{method="GET",route="/",status_code="200"} 1');
  });
});
