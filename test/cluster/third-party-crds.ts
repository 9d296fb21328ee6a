// CRDs of projects whose controllers cannot run here (cert-manager, Gateway API, CloudNativePG),
// vendored from their Go modules so tests can check our objects are accepted by their schemas.
// Nothing reconciles them.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type KubectlTarget, kubectl, waitForCrds } from './harness.ts';
import { clusterSourceDir } from './paths.ts';

export const thirdPartyCrdsDir = join(clusterSourceDir, 'third-party-crds');

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

/**
 * Installs the vendored cert-manager and Gateway API CRDs (idempotent). CloudNativePG's is left
 * out: its test installs it itself, while the operator runs, and removes it first.
 */
export function installThirdPartyCrds(target: KubectlTarget): void {
  const files = readdirSync(thirdPartyCrdsDir)
    .filter((f) => f.endsWith('.yaml') && !f.startsWith('postgresql.cnpg.io_'))
    .map((f) => join(thirdPartyCrdsDir, f));
  installCrds(target, files);
}
