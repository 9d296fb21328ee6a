// Every command and flag of the README's CLI reference, run as users run it (bin/storefront.mjs)
// against the local control plane. Each invocation is recorded; the last test reads the reference
// block of README.md and fails for any command, flag or listed value no test ran.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { cloudNativePgCrdFiles, installCrds } from '../cluster/third-party-crds.ts';
import {
  cluster,
  k,
  kJson,
  kTry,
  ROOT,
  restrictedNamespace,
  STOREFRONT_CRD,
  waitFor,
} from '../operator/support.ts';
import { type CliResult, explain, sf, startCli } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'sf-cli-reference-'));
/** command -> flags used with it (and `flag=value` for the values a flag was given). */
const used = new Map<string, Set<string>>();

function commandOf(args: string[]): string {
  const [a, b] = args;
  if (a === 'get' || (a === 'crd' && (b === 'install' || b === 'upgrade'))) return `${a} ${b}`;
  return a ?? '';
}

function record(args: string[]): void {
  const command = commandOf(args);
  const seen = used.get(command) ?? new Set<string>();
  used.set(command, seen);
  args.forEach((arg, i) => {
    if (command === 'completion' && i === 1) seen.add(`=${arg}`);
    if (command === 'crd' && i === 0) return;
    if (!arg.startsWith('-') || arg === '-') return;
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    seen.add(flag);
    const value = inline ?? args[i + 1];
    if (value !== undefined) seen.add(`${flag}=${value}`);
    if (inline === undefined && flag === '--dry-run') seen.add('--dry-run=');
  });
}

/** Runs bin/storefront.mjs and records what it ran. */
function run(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  record(args);
  return sf(args, env);
}

async function ok(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await run(args, env);
  expect(r.code, `storefront ${args.join(' ')}\n${explain(r)}`).toBe(0);
  return r;
}

/** Manual backup Jobs are named by the second they start in: the next one waits for a new second. */
const nextSecond = () => new Promise((r) => setTimeout(r, 1100 - (Date.now() % 1000)));

const write = (name: string, value: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : stringify(value));
  return file;
};

/** An ANSI colour sequence (ESC [). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[`);
let nsA: string;
let nsOp: string;
const nsCreated = `sf-cli-new-${Math.random().toString(36).slice(2, 7)}`;
/** Kubeconfigs: `multi` has a broken current-context and a good one; `first`/`second` define the same context name. */
const kc = { multi: '', first: '', second: '' };
/** A loopback port nothing listens on (found free, then closed): connections to it are refused. */
let BOGUS = '';

beforeAll(async () => {
  BOGUS = `https://127.0.0.1:${await freePort()}`;
  nsA = restrictedNamespace('sf-cli');
  nsOp = restrictedNamespace('sf-cli-op');
  const admin = parse(readFileSync(cluster().kubeconfig, 'utf8'));
  const realCluster = admin.clusters[0].cluster;
  const user = admin.users[0];
  const doc = (clusters: unknown[], contexts: unknown[], current: string) => ({
    apiVersion: 'v1',
    kind: 'Config',
    clusters,
    users: [user],
    contexts,
    'current-context': current,
  });
  const ctx = (name: string, clusterName: string, namespace?: string) => ({
    name,
    context: { cluster: clusterName, user: user.name, ...(namespace ? { namespace } : {}) },
  });
  kc.multi = write(
    'multi.kubeconfig',
    doc(
      [
        { name: 'real', cluster: realCluster },
        { name: 'bogus', cluster: { server: BOGUS, 'insecure-skip-tls-verify': true } },
      ],
      [ctx('broken', 'bogus'), ctx('good', 'real', nsA)],
      'broken',
    ),
  );
  kc.first = write(
    'first.kubeconfig',
    doc([{ name: 'real', cluster: realCluster }], [ctx('sf', 'real', nsA)], 'sf'),
  );
  kc.second = write(
    'second.kubeconfig',
    doc(
      [{ name: 'real', cluster: { server: BOGUS, 'insecure-skip-tls-verify': true } }],
      [ctx('sf', 'real')],
      'sf',
    ),
  );
});

afterAll(() => {
  for (const ns of [nsA, nsOp, nsCreated]) if (ns) kTry(['delete', 'namespace', ns, '--wait=false']);
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const shop = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'storefront.dev/v1alpha1',
  kind: 'Storefront',
  metadata: { name },
  spec: { host: `${name}.example.com`, ...spec },
});

describe('storefront CLI reference, against the local cluster', () => {
  it('when KUBECONFIG lists files, then they are merged first-wins, missing ones skipped; --context picks a context; none at all says so', async () => {
    const missing = join(dir, 'missing.kubeconfig');
    await ok(['list', '-n', nsA], { KUBECONFIG: [missing, kc.first, kc.second].join(':') });
    // The same context name, defined first by the bogus file: now that one wins and fails.
    const wrongFirst = await run(['list', '-n', nsA], { KUBECONFIG: [kc.second, kc.first].join(':') });
    expect(wrongFirst.code, explain(wrongFirst)).toBe(1);
    expect(wrongFirst.stderr).toMatch(/ECONNREFUSED|no response/);

    const none = await run(['list'], { KUBECONFIG: missing });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no Kubernetes cluster configured');
    expect(none.stderr).toContain(missing);
    const noHome = await run(['status', 'x'], { KUBECONFIG: '', HOME: dir });
    expect(noHome.stderr).toContain(
      `no Kubernetes cluster configured: ${join(dir, '.kube', 'config')} does not exist`,
    );

    // The kubeconfig's current context is broken; --context picks the good one (and its namespace).
    const broken = await run(['list', '--kubeconfig', kc.multi]);
    expect(broken.code, explain(broken)).toBe(1);
    const good = await ok(['list', '--kubeconfig', kc.multi, '--context', 'good', '-o', 'json']);
    expect(JSON.parse(good.stdout)).toEqual([]);
    const unknown = await run(['list', '--kubeconfig', kc.multi, '--context', 'nope']);
    expect(unknown.stderr).toContain('kubeconfig has no context named "nope" (it has: broken, good)');
  });

  it('when template runs, then -f files layer in order, --set/--set-string apply, quantities may be numbers, and no cluster is needed', async () => {
    const base = write('base.yaml', shop('layered', { app: { replicas: 2 } }));
    const overlay = write('overlay.yaml', {
      spec: { app: { resources: { requests: { cpu: 0.5 }, limits: { cpu: 2 } } }, cdn: null },
    });
    const offline = { KUBECONFIG: join(dir, 'missing.kubeconfig') };
    const r = await ok(
      [
        'template',
        '-f',
        base,
        '-f',
        overlay,
        '--set',
        'spec.app.replicas=4',
        '--set-string',
        'spec.app.resources.requests.memory=200Mi',
        '-n',
        'shop-ns',
        '-o',
        'json',
        '-q',
      ],
      offline,
    );
    expect(r.stderr).toBe('');
    const items = JSON.parse(r.stdout).items as {
      kind: string;
      metadata: { name: string; namespace?: string };
      spec?: any;
    }[];
    const app = items.find((o) => o.kind === 'Deployment' && o.metadata.name === 'layered-app')!;
    expect(app.metadata.namespace).toBe('shop-ns');
    expect(app.spec.replicas).toBe(4);
    const container = app.spec.template.spec.containers[0];
    expect(container.resources.requests.cpu).toBe('0.5');
    expect(container.resources.limits.cpu).toBe('2');
    expect(container.resources.requests.memory).toBe('200Mi');

    const yaml = await ok(['template', '-f', base, '-o', 'yaml'], offline);
    expect(yaml.stderr).toContain('generated credential Secrets');
    expect(yaml.stdout).not.toContain('kind: Secret');
    const quiet = await ok(['template', '-f', base, '--quiet'], offline);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toBe(yaml.stdout);
    const secrets = await ok(['template', '-f', base, '--include-secrets', '-q'], offline);
    expect(secrets.stdout).toContain('name: layered-postgres-credentials');

    const bad = await run(['template', '-f', base, '--set', 'spec.app.replicas=0'], offline);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('spec.app.replicas: Invalid value: 0');
  });

  it('when version, --version, completion and crd run, then they print what they say, in every -o format', async () => {
    const v = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    expect((await ok(['--version'])).stdout.trim()).toBe(v);
    expect((await ok(['version', '--short'])).stdout.trim()).toBe(`v${v}`);
    expect((await ok(['version', '-o', 'text'])).stdout).toMatch(
      new RegExp(`^storefront v${v} \\(API storefront.dev/v1alpha1, Node.js v24`),
    );
    expect(JSON.parse((await ok(['version', '-o', 'json'])).stdout)).toMatchObject({ version: `v${v}` });
    expect(parse((await ok(['version', '-o', 'yaml'])).stdout)).toMatchObject({
      apiVersion: 'storefront.dev/v1alpha1',
    });

    for (const shell of ['bash', 'zsh', 'fish']) {
      const script = join(dir, `completion.${shell}`);
      writeFileSync(script, (await ok(['completion', shell])).stdout);
      const probe = {
        bash: ['bash', '-c', `source ${script} && complete -p storefront`],
        zsh: ['zsh', '-c', `source ${script} && print -r -- \${_comps[storefront]}`],
        fish: ['fish', '-c', `source ${script}; complete -C 'storefront get '`],
      }[shell]!;
      const loaded = spawnSync(probe[0]!, probe.slice(1), {
        encoding: 'utf8',
        env: { ...process.env, HOME: dir },
      });
      expect(loaded.status, `${shell}: ${loaded.stderr}`).toBe(0);
      expect(loaded.stdout).toMatch(
        { bash: /_storefront storefront/, zsh: /_bash_complete/, fish: /manifest/ }[shell]!,
      );
    }

    const crd = readFileSync(join(ROOT, 'crds/storefront.dev_storefronts.yaml'), 'utf8');
    expect((await ok(['crd'])).stdout).toBe(crd);
    expect((await ok(['crd', '-o', 'yaml'])).stdout).toBe(crd);
    expect(JSON.parse((await ok(['crd', '-o', 'json'])).stdout)).toEqual(parse(crd));
    await ok(['crd', 'install', '--kubeconfig', kc.multi, '--context', 'good', '--timeout', '1m30s']);
    const upgraded = await ok([
      'crd',
      'upgrade',
      '--kubeconfig',
      kc.multi,
      '--context',
      'good',
      '--timeout',
      '60s',
    ]);
    expect(upgraded.stdout).toMatch(/^CRD storefronts\.storefront\.dev upgraded/);
  });

  it('when a release goes through install, upgrade, rollback, history, get, diff and uninstall, then every flag does what the reference says', async () => {
    const name = 'cliref';
    const base = write('cliref-base.yaml', shop(name, { app: { replicas: 1 } }));
    const overlay = write('cliref-overlay.yaml', { spec: { app: { replicas: 2 } } });
    const target = ['--kubeconfig', kc.multi, '--context', 'good'];

    // --dry-run alone is client: objects on stdout, no cluster touched.
    const client = await ok(['install', name, '-f', base, '--dry-run', '-n', nsCreated, '-o', 'yaml'], {
      KUBECONFIG: join(dir, 'missing'),
    });
    expect(client.stdout).toContain(`name: ${name}-app`);
    expect(client.stderr).toContain('dry run (client)');
    const clientJson = await ok(['install', name, '-f', base, '--dry-run=client', '-o', 'json']);
    expect(JSON.parse(clientJson.stdout).kind).toBe('List');
    const server = await ok(['install', name, '-f', base, '--dry-run=server', ...target]);
    expect(server.stdout).toContain(`Deployment/${name}-app validated by the API server (dry run)`);
    expect(kTry(['get', 'deployment', `${name}-app`, '-n', nsA]).status).not.toBe(0);

    // The flags `install` and `upgrade --install` document alike, all given at once.
    const INSTALL_FLAGS = [
      '--create-namespace',
      '--wait',
      '--timeout',
      '4m',
      '--rollback-on-failure',
      '--take-ownership',
      '--history-max',
      '3',
      '-o',
      'json',
    ];
    // A namespace that does not exist yet: --create-namespace (was a 500 from the API server).
    const install = await ok([
      'install',
      name,
      '-f',
      base,
      '-f',
      overlay,
      '--set',
      'spec.app.replicas=2',
      '--set-string',
      `spec.host=${name}.example.com`,
      ...target,
      '-n',
      nsCreated,
      ...INSTALL_FLAGS,
    ]);
    expect(JSON.parse(install.stdout)).toMatchObject({
      name,
      namespace: nsCreated,
      revision: 1,
      status: 'deployed',
    });
    expect(kJson(['get', 'namespace', nsCreated]).metadata.name).toBe(nsCreated);
    expect(kJson(['get', 'deployment', `${name}-app`, '-n', nsCreated]).spec.replicas).toBe(2);

    // upgrade takes every flag of install.
    expect((await ok(['upgrade', name, '-f', base, '--dry-run', '-n', nsCreated])).stdout).toContain(
      `name: ${name}-app`,
    );
    expect(
      JSON.parse((await ok(['upgrade', name, '-f', base, '--dry-run=client', '-o', 'json'])).stdout).kind,
    ).toBe('List');
    expect((await ok(['upgrade', name, '-f', base, '--dry-run=server', '-n', nsCreated])).stderr).toContain(
      'nothing was stored',
    );
    const up = await ok([
      'upgrade',
      name,
      '-i',
      '-f',
      base,
      '--set',
      'spec.app.replicas=3',
      '--set-string',
      `spec.host=${name}.example.com`,
      ...target,
      '-n',
      nsCreated,
      '-o',
      'yaml',
      '--timeout',
      '5m0s',
    ]);
    expect(parse(up.stdout)).toMatchObject({ revision: 2, status: 'deployed' });
    const again = await ok(['upgrade', name, '--install', '-f', base, '-n', nsCreated, ...INSTALL_FLAGS]);
    expect(JSON.parse(again.stdout)).toMatchObject({ revision: 3, status: 'deployed' });
    const upTable = await ok([
      'upgrade',
      name,
      '-f',
      base,
      '-n',
      nsCreated,
      '-o',
      'table',
      '--history-max',
      '3',
    ]);
    expect(upTable.stdout).toContain(`release ${nsCreated}/${name} revision 4: deployed`);
    // install -o table prints one line (in the context's namespace).
    const fresh = await ok([
      'install',
      'cliref2',
      '-f',
      write('cliref2.yaml', shop('cliref2')),
      ...target,
      '-o',
      'table',
    ]);
    expect(fresh.stdout).toContain(`release ${nsA}/cliref2 revision 1: deployed`);

    const rb = await ok([
      'rollback',
      name,
      '2',
      ...target,
      '-n',
      nsCreated,
      '--wait',
      '--timeout',
      '4m',
      '--history-max',
      '3',
      '--take-ownership',
      '-o',
      'json',
    ]);
    expect(JSON.parse(rb.stdout)).toMatchObject({ revision: 5, rollbackOf: 2, description: 'Rollback to 2' });
    // Without a revision: the one before the deployed one (4).
    const rbYaml = await ok(['rollback', name, '-n', nsCreated, '--history-max', '3', '-o', 'yaml']);
    expect(parse(rbYaml.stdout)).toMatchObject({ revision: 6, rollbackOf: 4 });
    const rbTable = await ok([
      'rollback',
      name,
      '5',
      '-n',
      nsCreated,
      '--wait',
      '--history-max',
      '3',
      '-o',
      'table',
    ]);
    expect(rbTable.stdout).toContain(`release ${nsCreated}/${name} revision 7: deployed (Rollback to 5)`);

    // --history-max 3: only the three newest revisions are kept.
    const hist = await ok(['history', name, ...target, '-n', nsCreated, '-o', 'json']);
    expect(JSON.parse(hist.stdout).map((r: { revision: number }) => r.revision)).toEqual([5, 6, 7]);
    expect(parse((await ok(['history', name, '-n', nsCreated, '-o', 'yaml'])).stdout)).toHaveLength(3);
    expect((await ok(['history', name, '-n', nsCreated, '-o', 'table'])).stdout).toMatch(
      /^REVISION\s+UPDATED\s+STATUS/,
    );

    // status of a release: live conditions without invented transition times, components, migration.
    const st = JSON.parse((await ok(['status', name, ...target, '-n', nsCreated, '-o', 'json'])).stdout);
    expect(st.managedBy).toBe('release');
    expect(st.release.revision).toBe(7);
    const ready = st.conditions.find((c: { type: string }) => c.type === 'Ready');
    expect(ready.status).toBe('True');
    expect(ready.lastTransitionTime).toBeUndefined();
    const app = st.components.find((c: { name: string }) => c.name === `${name}-app`);
    expect(app.replicas.ready).toBe(app.replicas.desired);
    expect(app.images[0]).toMatch(/storefront/);
    expect(app.pods.length).toBe(app.replicas.desired);
    expect(st.migration.state).toBe('Complete');
    expect(st.url).toBe(`https://${name}.example.com/`);
    expect(parse((await ok(['status', name, '-n', nsCreated, '-o', 'yaml'])).stdout).name).toBe(name);
    const table = await ok(['status', name, '-n', nsCreated, '-o', 'table']);
    expect(table.stdout).toMatch(/CONDITIONS:\n\s+Ready\s+True\s+Ready: the shop is served at/);
    expect(table.stdout).toMatch(/\n\s+DatabaseReady\s+True/);
    expect(table.stdout).toContain(`MIGRATION: Job/${name}-migrate-`);
    expect(table.stdout).not.toMatch(ANSI);
    // Colour: forced for CI logs, but never with NO_COLOR or --no-color.
    expect((await ok(['status', name, '-n', nsCreated], { FORCE_COLOR: '1' })).stdout).toMatch(ANSI);
    expect(
      (await ok(['status', name, '-n', nsCreated], { FORCE_COLOR: '1', NO_COLOR: '1' })).stdout,
    ).not.toMatch(ANSI);
    expect(
      (await ok(['status', name, '-n', nsCreated, '--no-color'], { FORCE_COLOR: '1' })).stdout,
    ).not.toMatch(ANSI);

    const listed = JSON.parse((await ok(['list', '-A', '-o', 'json'])).stdout) as {
      name: string;
      namespace: string;
    }[];
    expect(listed).toEqual(expect.arrayContaining([expect.objectContaining({ name, namespace: nsCreated })]));
    expect((await ok(['list', '--all-namespaces', '-o', 'table'])).stdout).toMatch(
      new RegExp(`${nsCreated}\\s+${name}\\s+7\\s+deployed`),
    );
    expect(
      parse((await ok(['list', ...target, '-n', nsA, '-o', 'yaml'])).stdout).map(
        (r: { name: string }) => r.name,
      ),
    ).toEqual(['cliref2']);

    // get values / manifest of a revision.
    const values = parse(
      (await ok(['get', 'values', name, ...target, '-n', nsCreated, '--revision', '6', '-o', 'yaml'])).stdout,
    );
    expect(values.spec.app.replicas).toBe(1);
    expect(
      JSON.parse((await ok(['get', 'values', name, '-n', nsCreated, '-o', 'json'])).stdout).spec.app.replicas,
    ).toBe(3);
    const manifest = (
      await ok(['get', 'manifest', name, ...target, '-n', nsCreated, '--revision', '7', '-o', 'yaml'])
    ).stdout;
    expect(manifest).toContain(`name: ${name}-app`);
    expect(manifest).not.toMatch(/password:/);
    const manifestJson = JSON.parse(
      (await ok(['get', 'manifest', name, '-n', nsCreated, '-o', 'json'])).stdout,
    );
    expect(manifestJson.items.length).toBeGreaterThan(10);
    const missingRev = await run(['get', 'values', name, '-n', nsCreated, '--revision', '1']);
    expect(missingRev.stderr).toContain('has no revision 1 (kept: 5, 6, 7)');

    // diff: exit 0 when the layered spec matches, 2 when a --set changes something.
    const same = await ok([
      'diff',
      name,
      '-f',
      base,
      '-f',
      overlay,
      '--set',
      'spec.app.replicas=3',
      '--set-string',
      `spec.host=${name}.example.com`,
      ...target,
      '-n',
      nsCreated,
      '--no-color',
    ]);
    expect(same.stdout.trim()).toBe('no changes');
    const changed = await run(
      [
        'diff',
        name,
        '-f',
        base,
        '--set',
        'spec.app.replicas=5',
        '--set-string',
        'metadata.labels.team=ops',
        '-n',
        nsCreated,
      ],
      { FORCE_COLOR: '1' },
    );
    expect(changed.code, explain(changed)).toBe(2);
    expect(changed.stdout).toMatch(/replicas: 5/);
    expect(changed.stdout).toMatch(ANSI);

    // A bad duration names the flag and the accepted shape.
    const badTimeout = await run(['upgrade', name, '-f', base, '-n', nsCreated, '--timeout', '5']);
    expect(badTimeout.code).toBe(1);
    expect(badTimeout.stderr).toContain('--timeout must be a duration like 90s, 5m0s, 1m30s or 1h, got "5"');

    await ok(['uninstall', name, ...target, '-n', nsCreated, '--keep-data', '--keep-history']);
    expect(kTry(['get', 'deployment', `${name}-app`, '-n', nsCreated]).status).not.toBe(0);
    expect(kJson(['get', 'pvc', `data-${name}-postgres-0`, '-n', nsCreated]).metadata.name).toBeTruthy();
    expect(
      JSON.parse((await ok(['history', name, '-n', nsCreated, '-o', 'json'])).stdout).at(-1).description,
    ).toBe('Uninstalled (history kept)');
    await ok(['uninstall', 'cliref2', '-n', nsA]);
  });

  it('when the operator runs with every flag and a Storefront is applied with kubectl (cpu: 2), then status and get values show it', async () => {
    const port = await freePort();
    const args = [
      'operator',
      '--kubeconfig',
      kc.multi,
      '--context',
      'good',
      '-n',
      nsOp,
      '--concurrency',
      '2',
      '--no-leader-elect',
      '--lease-namespace',
      nsOp,
      '--health-port',
      String(port),
      '--resync',
      '1m30s',
      '--qps',
      '20',
      '--burst',
      '40',
    ];
    record(args);
    const op = startCli(args);
    try {
      await waitFor(
        'operator health',
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok,
        60_000,
      );
      const name = 'kubectlshop';
      // The API server takes numbers for quantities (int-or-string), as for a Pod's resources.
      k(
        ['apply', '-n', nsOp, '-f', '-'],
        JSON.stringify(shop(name, { app: { resources: { limits: { cpu: 2 } } } })),
      );
      const cr = await waitFor('conditions from the operator', () => {
        const o = kJson(['get', 'storefront', name, '-n', nsOp]);
        return o.status?.conditions?.length ? o : undefined;
      });
      expect(cr.spec.app.resources.limits.cpu).toBe(2);
      const st = JSON.parse((await ok(['status', name, '-n', nsOp, '-o', 'json'])).stdout);
      const after = kJson(['get', 'storefront', name, '-n', nsOp]);
      expect(st.managedBy).toBe('operator');
      // The operator's transition times (it may have written newer ones meanwhile), never "now".
      const times = (o: any, type: string): string[] =>
        o.status.conditions
          .filter((c: { type: string }) => c.type === type)
          .map((c: any) => c.lastTransitionTime);
      expect(st.conditions.length).toBeGreaterThan(0);
      for (const c of st.conditions)
        expect([...times(cr, c.type), ...times(after, c.type)]).toContain(c.lastTransitionTime);
      expect(st.migration.job).toMatch(new RegExp(`^${name}-migrate-`));
      const human = await ok(['status', name, '-n', nsOp]);
      expect(human.stdout).toContain('MANAGED BY: the Storefront operator');
      expect(human.stdout).toContain('RECENT WARNINGS:');
      const values = parse((await ok(['get', 'values', name, '-n', nsOp])).stdout);
      expect(values.spec.app.resources.limits.cpu).toBe(2);
      const manifest = await run(['get', 'manifest', name, '-n', nsOp]);
      expect(manifest.stderr).toContain('is a Storefront reconciled by the operator, not a release');
    } finally {
      op.child.kill('SIGTERM');
    }
    const exit = await op.done;
    expect(exit.code, explain(exit)).toBe(0);
  });

  it('when backup create runs, then a Job from the backup CronJob runs to completion and its result is printed in every -o format', async () => {
    const name = 'clibackup';
    const spec = write(
      'clibackup.yaml',
      shop(name, { cache: { mode: 'disabled' }, database: { backup: { schedule: '0 3 1 1 *' } } }),
    );
    await ok(['install', name, '-f', spec, '-n', nsA, '--wait', '--timeout', '4m']);
    const target = ['--kubeconfig', kc.multi, '--context', 'good', '-n', nsA, '--timeout', '3m'];
    const json = await ok(['backup', 'create', name, ...target, '-o', 'json']);
    const result = JSON.parse(json.stdout);
    expect(result).toMatchObject({ namespace: nsA, succeeded: true });
    expect(result.job).toMatch(new RegExp(`^${name}-backup-manual-[0-9a-z]+$`));
    const job = kJson(['get', 'job', result.job, '-n', nsA]);
    expect(job.status.succeeded).toBe(1);
    expect(job.metadata.ownerReferences[0]).toMatchObject({
      kind: 'CronJob',
      name: `${name}-backup`,
      controller: true,
    });
    expect(job.metadata.labels['app.kubernetes.io/component']).toBe('backup');
    await nextSecond();
    const yaml = await ok(['backup', 'create', name, ...target, '-o', 'yaml']);
    expect(parse(yaml.stdout)).toMatchObject({ namespace: nsA, succeeded: true });
    await nextSecond();
    const table = await ok(['backup', 'create', name, ...target, '-o', 'table']);
    expect(table.stdout).toMatch(new RegExp(`^backup Job ${nsA}/${name}-backup-manual-[0-9a-z]+ succeeded`));
    // A Storefront without backups: exit 1, naming what to set.
    const none = await run(['backup', 'create', 'cliref-missing', '-n', nsA]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(
      `Storefront ${nsA}/cliref-missing has no backup CronJob cliref-missing-backup: set spec.database.backup`,
    );
  });

  it('when backup list runs on kwok (no container runs), then its read-only Job is made from the CronJob, the empty report is an error and the Job is removed', async () => {
    // kwok completes pods without running them: no list script, so no termination message. The
    // listing itself is proven with real files in test/app/backup-scripts.test.ts and on the real
    // node in test/node/backup-restore.test.ts; here the Job round trip and the refusal to make up
    // an empty listing.
    const name = 'clibackup';
    const target = ['--kubeconfig', kc.multi, '--context', 'good', '-n', nsA, '--timeout', '2m'];
    for (const output of ['table', 'json']) {
      const r = await run(['backup', 'list', name, ...target, '-o', output]);
      expect(r.code, explain(r)).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `listing Job ${nsA}/${name}-backup-list-[0-9a-z]+ created \\(reads PersistentVolumeClaim ${name}-backups read-only\\)`,
        ),
      );
      expect(r.stderr).toContain('reported no listing (its termination message is empty');
      await nextSecond();
    }
    const left = kJson(['get', 'jobs', '-n', nsA, '-l', 'app.kubernetes.io/component=backup-list']);
    expect(left.items.filter((j: any) => !j.metadata.deletionTimestamp)).toEqual([]);
    const none = await run(['backup', 'list', 'cliref-missing', '-n', nsA]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('has no backup CronJob cliref-missing-backup');
  });

  it('when restore runs, then a new Storefront is installed that restores the backup before its app; an existing one is refused', async () => {
    const name = 'clirestore';
    const spec = write('clirestore.yaml', shop(name, { cache: { mode: 'disabled' } }));
    const args = ['-f', spec, '--set', 'spec.app.replicas=1', '-n', nsA, '--wait', '--timeout', '4m'];
    await ok(['restore', name, '--from', 'latest', '--source', 'clibackup', ...args]);
    const values = parse((await ok(['get', 'values', name, '-n', nsA])).stdout);
    expect(values.spec.database.restore).toEqual({
      from: { backup: 'latest', claimName: 'clibackup-backups' },
    });
    const job = kJson(['get', 'job', `${name}-restore`, '-n', nsA]);
    const env = Object.fromEntries(
      job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]),
    );
    expect(env).toMatchObject({ RESTORE_BACKUP: 'latest', RESTORE_CLAIM: 'clibackup-backups' });
    expect(job.status.succeeded).toBe(1);
    // Revision 1 restored, revision 2 added the migration and the app (--wait: Ready).
    const revisions = JSON.parse((await ok(['history', name, '-n', nsA, '-o', 'json'])).stdout);
    expect(revisions).toHaveLength(2);
    expect(kJson(['get', 'deployment', `${name}-app`, '-n', nsA]).metadata.name).toBe(`${name}-app`);
    // Never over an existing Storefront (a release here; the same for one applied with kubectl).
    const again = await run(['restore', name, '--from', '20261201T031500Z', ...args]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      `release ${nsA}/${name} exists already: a backup is restored into a new Storefront only`,
    );
    // A malformed backup name is refused by the schema, naming the field.
    const bad = await run(['restore', name, '--from', 'yesterday', '-f', spec, '-n', nsA]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('spec.database.restore.from.backup');
  });

  it('when restore --source names a Storefront that backs up to s3, then restore.from.s3 is its bucket with its effective prefix (cloudnativepg: and its Cluster as the Barman server, the new Cluster recovering from it); a source that cannot be found, or of the other database mode, is named with what to pass', async () => {
    // The Storefront CRD too (`crd install` above installs it; this case must not depend on that).
    installCrds(cluster(), [STOREFRONT_CRD, ...cloudNativePgCrdFiles()]);
    k([
      'create',
      'secret',
      'generic',
      'cli-s3',
      '-n',
      nsA,
      '--from-literal=AWS_ACCESS_KEY_ID=test-key',
      '--from-literal=AWS_SECRET_ACCESS_KEY=test-secret',
    ]);
    const s3 = {
      endpoint: 'http://minio.storage.svc:9000',
      bucket: 'shop-backups',
      credentialsSecret: { name: 'cli-s3' },
      egress: [{ cidr: '10.96.0.10/32', ports: [9000] }],
    };
    const wait = ['-n', nsA, '--wait', '--timeout', '4m'];

    // Managed: OLD is a live Storefront object (kubectl-applied; no operator watches this namespace)
    // writing to s3 under its own prefix. The restore Job reads that bucket and prefix.
    k(
      ['apply', '--server-side', '-n', nsA, '-f', '-'],
      JSON.stringify(
        shop('clis3old', {
          cache: { mode: 'disabled' },
          database: { backup: { schedule: '@daily', destination: { s3: { ...s3, prefix: 'shops/old/' } } } },
        }),
      ),
    );
    const newSpec = write('clis3new.yaml', shop('clis3new', { cache: { mode: 'disabled' } }));
    await ok(['restore', 'clis3new', '--from', 'latest', '--source', 'clis3old', '-f', newSpec, ...wait]);
    const values = parse((await ok(['get', 'values', 'clis3new', '-n', nsA])).stdout);
    expect(values.spec.database.restore.from).toEqual({
      backup: 'latest',
      s3: {
        ...s3,
        prefix: 'shops/old/',
        region: 'us-east-1',
        credentialsSecret: {
          name: 'cli-s3',
          accessKeyIdKey: 'AWS_ACCESS_KEY_ID',
          secretAccessKeyKey: 'AWS_SECRET_ACCESS_KEY',
        },
      },
    });
    const job = kJson(['get', 'job', 'clis3new-restore', '-n', nsA]);
    const env = Object.fromEntries(
      job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]),
    );
    expect(env).toMatchObject({
      S3_BUCKET: 'shop-backups',
      S3_PREFIX: 'shops/old/',
      RESTORE_BACKUP: 'latest',
    });
    expect(kJson(['get', 'deployment', 'clis3new-app', '-n', nsA]).metadata.name).toBe('clis3new-app');

    // cloudnativepg: OLD is a release (no Storefront object) backing up to s3 with the default
    // prefix; NEW's Cluster recovers from OLD's server under OLD's prefix. The test plays
    // CloudNativePG: once the Cluster exists, its app Secret and a ready instance.
    const cnpg = (backup?: Record<string, unknown>) => ({
      cache: { mode: 'disabled' },
      database: { mode: 'cloudnativepg', ...(backup ? { backup } : {}) },
    });
    const oldSpec = write(
      'clipgold.yaml',
      shop('clipgold', cnpg({ schedule: '@daily', retention: { maxAge: '30d' }, destination: { s3 } })),
    );
    await ok(['install', 'clipgold', '-f', oldSpec, '-n', nsA]);
    const pgSpec = write('clipgnew.yaml', shop('clipgnew', cnpg()));
    const restoring = startCli(
      ['restore', 'clipgnew', '--from', '20261201T031500', '--source', 'clipgold', '-f', pgSpec, ...wait],
      {},
    );
    record(['restore', 'clipgnew', '--from', '20261201T031500', '--source', 'clipgold']);
    const pgCluster = await waitFor(
      'Cluster clipgnew-postgres',
      () => kTry(['get', 'clusters.postgresql.cnpg.io', 'clipgnew-postgres', '-n', nsA, '-o', 'json']).stdout,
    ).then((out) => JSON.parse(out));
    expect(pgCluster.spec.bootstrap.recovery).toEqual({
      source: 'restore-source',
      database: 'storefront',
      owner: 'storefront',
      recoveryTarget: { backupID: '20261201T031500', targetImmediate: true },
    });
    expect(pgCluster.spec.externalClusters[0].barmanObjectStore).toMatchObject({
      destinationPath: 's3://shop-backups/clipgold',
      serverName: 'clipgold-postgres',
    });
    // Revision 1 holds the app back while the Cluster recovers.
    expect(kTry(['get', 'deployment', 'clipgnew-app', '-n', nsA]).status).not.toBe(0);
    k([
      'create',
      'secret',
      'generic',
      'clipgnew-postgres-app',
      '-n',
      nsA,
      '--from-literal=uri=postgresql://storefront:generated@clipgnew-postgres-rw:5432/storefront',
    ]);
    k([
      'patch',
      'clusters.postgresql.cnpg.io',
      'clipgnew-postgres',
      '-n',
      nsA,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { instances: 1, readyInstances: 1 } }),
    ]);
    const done = await restoring.done;
    expect(done.code, explain(done)).toBe(0);
    expect(done.stderr).toContain(`waiting for CloudNativePG to recover Cluster ${nsA}/clipgnew-postgres`);
    const pgValues = parse((await ok(['get', 'values', 'clipgnew', '-n', nsA])).stdout);
    expect(pgValues.spec.database.restore.from).toMatchObject({
      backup: '20261201T031500',
      storefront: 'clipgold',
      s3: { endpoint: s3.endpoint, bucket: 'shop-backups', prefix: 'clipgold/' },
    });
    const revisions = JSON.parse((await ok(['history', 'clipgnew', '-n', nsA, '-o', 'json'])).stdout);
    expect(revisions).toHaveLength(2);
    expect(kJson(['get', 'deployment', 'clipgnew-app', '-n', nsA]).metadata.name).toBe('clipgnew-app');

    // The bucket given in the spec is kept as given; --source only names the server (dry run: the
    // objects are printed, nothing is stored).
    const given = write(
      'clipgmine.yaml',
      shop('clipgmine', {
        ...cnpg(),
        database: {
          mode: 'cloudnativepg',
          restore: { from: { backup: 'latest', s3: { ...s3, prefix: 'elsewhere/' } } },
        },
      }),
    );
    const dry = await ok([
      'restore',
      'clipgmine',
      '--from',
      'latest',
      '--source',
      'clipgold',
      '-f',
      given,
      '-n',
      nsA,
      '--dry-run=client',
      '-o',
      'json',
    ]);
    const printedCluster = JSON.parse(dry.stdout).items.find((o: { kind: string }) => o.kind === 'Cluster');
    expect(printedCluster.spec.bootstrap.recovery).toEqual({
      source: 'restore-source',
      database: 'storefront',
      owner: 'storefront',
    });
    expect(printedCluster.spec.externalClusters[0].barmanObjectStore).toMatchObject({
      destinationPath: 's3://shop-backups/elsewhere',
      serverName: 'clipgold-postgres',
    });
    expect(kTry(['get', 'clusters.postgresql.cnpg.io', 'clipgmine-postgres', '-n', nsA]).status).not.toBe(0);

    // A source that is nowhere: named, with what to pass instead.
    const gone = await run([
      'restore',
      'clipggone',
      '--from',
      'latest',
      '--source',
      'nothere',
      '-f',
      write('clipggone.yaml', shop('clipggone', cnpg())),
      '-n',
      nsA,
    ]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`--source nothere: no Storefront or release nothere in namespace ${nsA}`);
    expect(gone.stderr).toContain('spec.database.restore.from.s3 (endpoint, bucket, prefix');
    const goneManaged = await run([
      'restore',
      'cligone',
      '--from',
      'latest',
      '--source',
      'nothere',
      '-f',
      write('cligone.yaml', shop('cligone')),
      '-n',
      nsA,
      '--dry-run=client',
    ]);
    expect(goneManaged.code).toBe(1);
    expect(goneManaged.stderr).toContain('nor its backups volume nothere-backups exists');
    // CloudNativePG's physical backups cannot go into a managed database.
    const mixed = await run([
      'restore',
      'climixed',
      '--from',
      'latest',
      '--source',
      'clipgold',
      '-f',
      write('climixed.yaml', shop('climixed')),
      '-n',
      nsA,
    ]);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain(
      'Storefront clipgold is in database mode cloudnativepg and climixed in mode managed',
    );
    // Nothing was installed for any of them.
    const releases = JSON.parse((await ok(['list', '-n', nsA, '-o', 'json'])).stdout) as { name: string }[];
    expect(releases.map((r) => r.name)).toEqual(expect.arrayContaining(['clis3new', 'clipgold', 'clipgnew']));
    expect(releases.map((r) => r.name)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^(clipggone|cligone|climixed|clipgmine)$/)]),
    );
  });

  it('when doctor runs with every flag, then it reports per check in both formats; an unreachable server is a FAIL (exit 1)', async () => {
    const target = ['--kubeconfig', kc.multi, '--context', 'good', '-n', nsA];
    const table = await run(['doctor', ...target, '-o', 'table']);
    expect(table.stdout, explain(table)).toMatch(/^OK\s+api-server\s+reachable/m);
    expect(table.stdout).toMatch(/^(OK|WARN|FAIL)\s+pod-security\s+namespace sf-cli-/m);
    const json = await run(['doctor', ...target, '-o', 'json']);
    const report = JSON.parse(json.stdout) as { namespace: string; findings: { level: string }[] };
    expect(report.namespace).toBe(nsA);
    expect(json.code).toBe(report.findings.some((f) => f.level === 'FAIL') ? 1 : 0);
    // -f: judged against a spec not installed yet (its class is absent: a FAIL naming it).
    const spec = write('doctor-spec.json', shop('cliref-doc', { ingress: { className: 'cliref-absent' } }));
    const judged = await run(['doctor', ...target, '-f', spec]);
    expect(judged.code, explain(judged)).toBe(1);
    expect(judged.stdout).toMatch(
      /^FAIL\s+ingress-class\s+no IngressClass cliref-absent, and cliref-doc sets/m,
    );
    const down = await run(['doctor', '--kubeconfig', kc.second]);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^FAIL\s+api-server\s+cannot reach the API server/m);
  });

  it('when the README reference is read, then every command, flag and listed value was run above', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = readme.slice(
      readme.indexOf('<!-- cli-reference:start -->'),
      readme.indexOf('<!-- cli-reference:end -->'),
    );
    const want = new Map<string, Set<string>>();
    const add = (cmd: string, item: string) => want.set(cmd, (want.get(cmd) ?? new Set()).add(item));
    // One entry per `storefront …` (a line may hold two; indented lines continue the previous one).
    const entries = block
      .split('\n')
      .filter((l) => !l.startsWith('```') && !l.startsWith('<!--'))
      .reduce<string[]>((acc, line) => {
        if (/^\s/.test(line) && acc.length) acc[acc.length - 1] += ` ${line.trim()}`;
        else acc.push(...line.split(/\s{2,}(?=storefront )/));
        return acc;
      }, [])
      .filter((l) => l.startsWith('storefront '));
    for (const entry of entries) {
      const words = entry.split(/\s+/).slice(1);
      const head = words[0]!;
      const second = words[1] ?? '';
      const commands =
        head === '--version'
          ? ['--version']
          : /^[a-z]+\|[a-z|]+$/.test(second) && head !== 'completion'
            ? second.split('|').map((s) => `${head} ${s}`)
            : [head];
      for (const command of commands) {
        if (command === '--version') add('--version', '--version');
        if (head === 'completion') for (const s of second.split('|')) add(command, `=${s}`);
        for (const m of entry.matchAll(
          /\[?(-{1,2}[a-zA-Z][\w-]*)(?:\|(-{1,2}[a-zA-Z][\w-]*))?(?:\[?[ =]([a-z]+(?:\|[a-z]+)+)\]?)?/g,
        )) {
          for (const flag of [m[1], m[2]].filter(Boolean) as string[]) {
            add(command, flag);
            for (const value of m[3]?.split('|') ?? []) add(command, `${flag}=${value}`);
          }
          if (m[1] === '--dry-run') add(command, '--dry-run=');
        }
        if (entry.includes('(and every flag of install)'))
          for (const f of want.get('install') ?? []) add(command, f);
      }
    }
    expect(want.size).toBeGreaterThan(15);
    const missing: string[] = [];
    for (const [command, items] of want)
      for (const item of items) if (!used.get(command)?.has(item)) missing.push(`${command} ${item}`);
    expect(missing, 'in the README CLI reference but never run by this file').toEqual([]);
  });
});
