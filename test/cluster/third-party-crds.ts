// CRDs of projects whose controllers cannot run here (cert-manager, Gateway API, CloudNativePG,
// Prometheus Operator), so tests can check our objects are accepted by their schemas. Nothing
// reconciles them. All come from their projects' Go modules (Go module proxy, verified against the
// checksum database), cached outside the clone.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goCommand } from './build.ts';
import { type KubectlTarget, kubectl, waitForCrds } from './harness.ts';
import { cacheDir } from './paths.ts';

/** Applies CRD files (server-side) and waits until every one is Established. */
export function installCrds(target: KubectlTarget, files: string[]): void {
  if (files.length === 0) return;
  const args = files.flatMap((f) => ['-f', f]);
  const out = kubectl(target, [
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager=storefront-tests',
    ...args,
    '-o',
    'name',
  ]);
  const names = out.split('\n').filter((l) => l.startsWith('customresourcedefinition'));
  waitForCrds(target, names);
}

export const GATEWAY_API_VERSION = 'v1.7.0';
const GATEWAY_API_KINDS = ['gatewayclasses', 'gateways', 'httproutes', 'referencegrants'];

/** The standard-channel Gateway API CRDs of GATEWAY_API_VERSION, from the module's own config/crd/standard. */
export function gatewayApiCrdFiles(): string[] {
  return moduleCrdFiles(
    'sigs.k8s.io/gateway-api',
    GATEWAY_API_VERSION,
    'config/crd/standard',
    GATEWAY_API_KINDS.map((kind) => `gateway.networking.k8s.io_${kind}.yaml`),
    `gateway-api-${GATEWAY_API_VERSION}`,
  );
}

export const CERT_MANAGER_VERSION = 'v1.21.2';

/** cert-manager's Certificate, Issuer and ClusterIssuer CRDs, from its module's deploy/crds. */
export function certManagerCrdFiles(): string[] {
  return moduleCrdFiles(
    'github.com/cert-manager/cert-manager',
    CERT_MANAGER_VERSION,
    'deploy/crds',
    ['certificates', 'issuers', 'clusterissuers'].map((kind) => `cert-manager.io_${kind}.yaml`),
    `cert-manager-${CERT_MANAGER_VERSION}`,
  );
}

export const PROMETHEUS_OPERATOR_VERSION = 'v0.85.0';

/** The Prometheus Operator's PodMonitor and ServiceMonitor CRDs (monitoring.coreos.com/v1), from its module's example/. */
export function prometheusOperatorCrdFiles(): string[] {
  return moduleCrdFiles(
    'github.com/prometheus-operator/prometheus-operator',
    PROMETHEUS_OPERATOR_VERSION,
    'example/prometheus-operator-crd',
    ['monitoring.coreos.com_podmonitors.yaml', 'monitoring.coreos.com_servicemonitors.yaml'],
    `prometheus-operator-${PROMETHEUS_OPERATOR_VERSION}`,
  );
}

export const CLOUDNATIVE_PG_VERSION = 'v1.28.0';

/** CloudNativePG's Cluster and ScheduledBackup CRDs (postgresql.cnpg.io/v1), from its module's config/crd/bases. */
export function cloudNativePgCrdFiles(): string[] {
  return moduleCrdFiles(
    'github.com/cloudnative-pg/cloudnative-pg',
    CLOUDNATIVE_PG_VERSION,
    'config/crd/bases',
    ['clusters', 'scheduledbackups'].map((kind) => `postgresql.cnpg.io_${kind}.yaml`),
    `cloudnative-pg-${CLOUDNATIVE_PG_VERSION}`,
  );
}

/**
 * CRD files shipped inside a Go module, cached in `<cache>/<cacheName>/crd`. `go mod download`
 * fetches and verifies the module zip; a module may declare a newer `go` line than the toolchain
 * here, so Go will not unpack it, and `unzip` takes the files.
 */
function moduleCrdFiles(
  path: string,
  version: string,
  dir: string,
  names: string[],
  cacheName: string,
): string[] {
  const dest = join(cacheDir(), cacheName, 'crd');
  const files = names.map((name) => join(dest, name));
  if (files.every((f) => existsSync(f))) return files;
  const module = `${path}@${version}`;
  const download = spawnSync(goCommand(), ['mod', 'download', '-json', module], {
    cwd: tmpdir(),
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod' },
  });
  const info = JSON.parse(download.stdout || '{}') as { Zip?: string };
  if (!info.Zip || !existsSync(info.Zip))
    throw new Error(
      `cannot download ${module} from the Go module proxy: ${download.stdout}${download.stderr}`,
    );
  const tmp = `${dest}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const members = names.map((name) => `${module}/${dir}/${name}`);
  const unzip = spawnSync('unzip', ['-q', '-j', '-o', info.Zip, ...members, '-d', tmp], { encoding: 'utf8' });
  if (unzip.status !== 0)
    throw new Error(
      `cannot unpack ${names.join(', ')} from ${info.Zip} (is unzip installed?): ${unzip.stderr}`,
    );
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  return files;
}

/**
 * Installs the cert-manager and Gateway API CRDs (idempotent). CloudNativePG's are left
 * out: its test installs them itself, while the operator runs, and removes them first.
 */
export function installThirdPartyCrds(target: KubectlTarget): void {
  installCrds(target, [...certManagerCrdFiles(), ...gatewayApiCrdFiles()]);
}
