import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `test/cluster/` in this clone. */
export const clusterSourceDir = dirname(fileURLToPath(import.meta.url));

/** Root of the clone. */
export const repoRoot = resolve(clusterSourceDir, '..', '..');

/** Everything that survives between runs lives here, outside the clone. */
export function cacheDir(): string {
  return process.env['STOREFRONT_CACHE_DIR'] || join(homedir(), '.cache', 'storefront');
}

/** Where a named cluster keeps its data, certificates, logs and PID files. */
export function defaultStateDir(name = 'default'): string {
  return process.env['STOREFRONT_CLUSTER_STATE_DIR'] || join(cacheDir(), 'state', name);
}
