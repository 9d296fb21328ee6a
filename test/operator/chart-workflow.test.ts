// The shipped kind workflow, kind config, Dockerfile and .dockerignore, checked offline: they can
// only run on GitHub's runners (a container engine and the internet), so here they are parsed,
// checked against the structure they must have, and the workflow is run through actionlint
// (built from the Go module proxy into the cache on first use).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_APP_IMAGE } from '../../operator/api/storefront-schema.ts';
import pkg from '../../package.json' with { type: 'json' };
import { buildCli } from '../../scripts/build-cli.ts';
import { goCommand } from '../cluster/build.ts';
import { cacheDir } from '../cluster/paths.ts';
import { ROOT } from './support.ts';

const WORKFLOW = join(ROOT, '.github/workflows/kind-e2e.yaml');
const KIND_CONFIG = join(ROOT, '.github/kind-config.yaml');
const ACTIONLINT_VERSION = 'v1.7.12';

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; if?: string };

/** A small schema for what the e2e workflow must contain; returns the problems found. */
function checkWorkflow(wf: any): string[] {
  const problems: string[] = [];
  const need = (ok: unknown, what: string) => {
    if (!ok) problems.push(what);
  };
  need(typeof wf?.name === 'string', 'name');
  need(wf?.on && ('push' in wf.on || 'pull_request' in wf.on), 'on: push or pull_request');
  need(wf?.permissions?.contents === 'read', 'permissions.contents: read (least privilege)');
  const jobs = Object.entries(wf?.jobs ?? {}) as [string, any][];
  need(jobs.length === 1, 'exactly one job');
  const [, job] = jobs[0] ?? ['', {}];
  need(typeof job['runs-on'] === 'string' && job['runs-on'].startsWith('ubuntu'), 'runs-on ubuntu');
  need(Number.isInteger(job['timeout-minutes']), 'timeout-minutes');
  const steps: Step[] = job.steps ?? [];
  need(
    steps.every((s) => s.name && (s.uses || s.run) && !(s.uses && s.run)),
    'every step has a name and exactly one of uses/run',
  );
  need(
    steps.filter((s) => s.uses).every((s) => /@v\d/.test(s.uses!)),
    'actions pinned to a major version',
  );
  const index = (what: string, pred: (s: Step) => boolean): number => {
    const i = steps.findIndex(pred);
    need(i >= 0, what);
    return i;
  };
  const run = (re: RegExp) => (s: Step) => !!s.run && re.test(s.run);
  const order = [
    index('checkout', (s) => !!s.uses?.startsWith('actions/checkout@')),
    index(
      'Node 24',
      (s) => !!s.uses?.startsWith('actions/setup-node@') && String(s.with?.['node-version']) === '24',
    ),
    index('build the operator image from the root Dockerfile', run(/docker build\b.*\s\.\s*$/m)),
    index('build the shop image from app/', run(/docker build\b.*\sapp\/\s*$/m)),
    index(
      'kind cluster from .github/kind-config.yaml',
      (s) => !!s.uses?.startsWith('helm/kind-action@') && s.with?.['config'] === '.github/kind-config.yaml',
    ),
    index(
      'kind load of both images',
      (s) => !!s.run && (s.run.match(/kind load docker-image/g) ?? []).length === 2,
    ),
    index(
      'ingress-nginx with 429 limits and HSTS allowed',
      run(
        /ingress-nginx[\s\S]*limit-req-status-code: "429"[\s\S]*limit-conn-status-code: "429"[\s\S]*global-allowed-response-headers: "Strict-Transport-Security"/,
      ),
    ),
    index(
      'helm install of charts/storefront-operator',
      run(/helm install storefront-operator charts\/storefront-operator/),
    ),
    index('apply examples/minimal.yaml', run(/kubectl .*apply -f examples\/minimal\.yaml/)),
    index('wait for Ready', run(/kubectl .*wait --for=condition=Ready storefront\/shop/)),
    index('curl through the ingress', run(/curl [^\n]*https:\/\/\$\{host\}/)),
  ];
  need(
    order.every((v, i) => v >= 0 && (i === 0 || v >= order[i - 1]!)),
    `steps in order (indices ${order.join(', ')})`,
  );
  const images = steps.map((s) => s.run ?? '').join('\n');
  need(
    /ghcr\.io\/storefront-dev\/storefront-operator:\$\{version\}/.test(images),
    'operator image named as the chart expects',
  );
  need(
    /ghcr\.io\/storefront-dev\/storefront-shop:\$\{version\}/.test(images),
    'shop image named as the Storefront default expects',
  );
  return problems;
}

function actionlint(): string {
  const dir = join(cacheDir(), 'tools', `actionlint-${ACTIONLINT_VERSION}`);
  const bin = join(dir, 'actionlint');
  if (!existsSync(bin)) {
    const res = spawnSync(
      goCommand(),
      ['install', `github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}`],
      {
        encoding: 'utf8',
        env: { ...process.env, GOBIN: dir, GOFLAGS: '-mod=mod' },
        timeout: 600_000,
      },
    );
    if (res.status !== 0) throw new Error(`go install actionlint failed: ${res.stderr}`);
  }
  return bin;
}

/** Relative imports reachable from `entry`, and the bare package names they import. */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /^\s*(?:import|export)\s(?!type\s)[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'|\bimport\('([^']+)'\)/gm,
    )) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else if (!spec.startsWith('node:'))
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('kind CI workflow', () => {
  const wf = parse(readFileSync(WORKFLOW, 'utf8'));

  it('has the jobs and steps the e2e needs, in order', () => {
    expect(checkWorkflow(wf)).toEqual([]);
  });

  it('the structural check catches a broken workflow', () => {
    const broken = structuredClone(wf);
    const steps = Object.values(broken.jobs as Record<string, { steps: Step[] }>)[0]!.steps;
    broken.permissions = { contents: 'write' };
    const wait = steps.find((s) => s.run?.includes('wait --for=condition=Ready'))!;
    wait.run = wait.run!.replace(/^.*wait --for=condition=Ready.*$/m, '');
    expect(checkWorkflow(broken)).toEqual([
      'permissions.contents: read (least privilege)',
      'wait for Ready',
      expect.stringContaining('steps in order'),
    ]);
  });

  it('builds the shop image under the name a Storefront uses by default', () => {
    // The workflow tags ghcr.io/storefront-dev/storefront-shop:<package.json version>.
    expect(DEFAULT_APP_IMAGE).toBe(`ghcr.io/storefront-dev/storefront-shop:${pkg.version}`);
  });

  it('passes actionlint', () => {
    const res = spawnSync(actionlint(), ['-no-color', WORKFLOW], { encoding: 'utf8', cwd: ROOT });
    expect(res.stdout + res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  it('the kind config: ingress-ready control plane with ports 80/443, workers to spread on', () => {
    const kind = parse(readFileSync(KIND_CONFIG, 'utf8'));
    expect(kind).toMatchObject({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4' });
    const cp = kind.nodes.find((n: { role: string }) => n.role === 'control-plane');
    expect(cp.extraPortMappings.map((p: { containerPort: number }) => p.containerPort).sort()).toEqual([
      443, 80,
    ]);
    expect(cp.kubeadmConfigPatches.join('\n')).toContain('ingress-ready=true');
    expect(kind.nodes.filter((n: { role: string }) => n.role === 'worker').length).toBeGreaterThanOrEqual(2);
  });
});

describe('operator image', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');

  it('Dockerfile: Node 24 multi-stage, the CLI bundle built from the lockfile, numeric non-root user, the operator entry point', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-(bookworm-slim|alpine)$/m);
    expect(dockerfile.match(/^FROM \$\{NODE_IMAGE\} AS \w+$/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/RUN npm ci --ignore-scripts/);
    expect(dockerfile).toMatch(/^RUN node scripts\/build-cli\.ts$/m);
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toMatch(/^COPY --from=bundle \S+\/dist\/cli \.\/dist\/cli$/m);
    // The bundle holds its dependencies (checked below): the runtime stage has no node_modules
    // and no TypeScript to strip.
    expect(runtime).not.toMatch(/^(COPY|RUN)\b.*(node_modules|operator\/|\.ts\b)/m);
    expect(dockerfile).toMatch(/^USER 65532:65532$/m);
    // Node flags may come between (e.g. --max-semi-space-size, explained in the Dockerfile).
    expect(dockerfile).toMatch(
      /^ENTRYPOINT \["node", ("--[a-z-]+(=[^"]*)?", )*"dist\/cli\/storefront\.mjs"\]$/m,
    );
    // IdleGc (operator/controller/idle-gc.ts) needs globalThis.gc: without it the operator keeps
    // a burst's garbage resident.
    expect(dockerfile).toMatch(/^ENTRYPOINT \[.*"--expose-gc".*\]$/m);
    expect(dockerfile).toContain('CMD ["operator"]');
    // Nothing after USER writes to the image: read-only root filesystem friendly.
    expect(dockerfile.slice(dockerfile.indexOf('USER 65532')).match(/^RUN /m)).toBeNull();
  });

  it('the bundle the image runs imports no package at run time, only Node built-ins', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sf-bundle-'));
    try {
      const { dir } = await buildCli(join(out, 'cli'));
      const specifiers = new Set<string>();
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.mjs'))) {
        const text = readFileSync(join(dir, file), 'utf8');
        for (const m of text.matchAll(/^import\s[^;]*?from\s*["']([^"']+)["']/gm)) specifiers.add(m[1]!);
        for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) specifiers.add(m[1]!);
        for (const m of text.matchAll(/\b__require\(\s*["']([^"']+)["']\s*\)/g)) specifiers.add(m[1]!);
      }
      const packages = [...specifiers].filter((s) => !s.startsWith('.') && !isBuiltin(s)).sort();
      // ws's optional native speed-ups, each required inside a try (client-node's chunk, loaded
      // only for exec/auth-provider kubeconfigs): absent, ws uses its JavaScript code.
      expect(packages).toEqual(['bufferutil', 'utf-8-validate']);
      expect(specifiers.size).toBeGreaterThan(10);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('everything the operator imports at run time is bundled from operator/ and production dependencies', () => {
    const { files, packages } = importGraph(join(ROOT, 'operator/cli/bin.ts'));
    for (const file of files) {
      const rel = relative(ROOT, file);
      expect(rel.startsWith('operator/') || rel === 'package.json', rel).toBe(true);
      expect(rel, 'a test file or testdata reached from bin.ts').not.toMatch(/\.test\.ts$|\/testdata\//);
    }
    expect(files.size).toBeGreaterThan(20);
    for (const name of packages)
      expect(
        Object.keys(pkg.dependencies),
        `${name} must be a dependency (npm install storefront)`,
      ).toContain(name);
    expect(ignore.split('\n')).toEqual(
      expect.arrayContaining([
        '*',
        '!package.json',
        '!package-lock.json',
        '!operator/',
        '!scripts/build-cli.ts',
        'operator/**/*.test.ts',
        'operator/**/testdata/',
      ]),
    );
  });
});
