// kube-score (github.com/zegl/kube-score), an external checker of Kubernetes objects, built from
// the Go module proxy into the cache outside the clone (like the control plane's binaries) and run
// on rendered objects. scripts/kube-score.test.ts runs it on every example; the checks the stack
// keeps failing, each with its reason, are KEPT_FAILING below and in the README's security section.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { goCommand } from '../test/cluster/build.ts';
import { withLock } from '../test/cluster/lock.ts';
import { cacheDir } from '../test/cluster/paths.ts';

export const KUBE_SCORE_VERSION = 'v1.20.0';
const MODULE = 'github.com/zegl/kube-score/cmd/kube-score';

/** Builds kube-score once (`go install` at the pinned version, checked against sum.golang.org). */
export async function kubeScoreBinary(log: (line: string) => void = () => {}): Promise<string> {
  const dir = join(cacheDir(), 'tools', `kube-score-${KUBE_SCORE_VERSION}`);
  const bin = join(dir, 'kube-score');
  if (existsSync(bin)) return bin;
  return withLock(`${dir}.lock`, async () => {
    if (existsSync(bin)) return bin;
    log(`building kube-score ${KUBE_SCORE_VERSION} into ${dir} (once)`);
    const tmp = mkdtempSync(`${dir}.tmp-`);
    const r = spawnSync(goCommand(), ['install', `${MODULE}@${KUBE_SCORE_VERSION}`], {
      env: { ...process.env, GOBIN: tmp, GOFLAGS: '-mod=mod' },
      encoding: 'utf8',
    });
    if (r.status !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`go install ${MODULE}@${KUBE_SCORE_VERSION} failed:\n${r.stderr}`);
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    return bin;
  });
}

/** One failed check of one object, as `<Kind>/<name> <check-id>`. */
export type Finding = string;

interface ScoredObject {
  object_name: string;
  type_meta: { kind: string };
  object_meta: { name: string };
  checks: { check: { id: string }; grade: number; skipped: boolean }[];
}

/** Runs kube-score on YAML objects and returns every check below OK (grade 10), sorted. */
export function kubeScore(bin: string, yaml: string): Finding[] {
  const r = spawnSync(bin, ['score', '-', '--output-format', 'json', '--kubernetes-version', 'v1.35'], {
    input: yaml,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  // Exit 1 means "found something"; anything else (or no JSON) is a failure to run.
  if (r.status !== 0 && r.status !== 1) throw new Error(`kube-score failed (${r.status}): ${r.stderr}`);
  const objects = JSON.parse(r.stdout) as ScoredObject[];
  const findings = new Set<Finding>();
  for (const o of objects)
    for (const c of o.checks)
      if (!c.skipped && c.grade < 10) findings.add(`${o.type_meta.kind}/${o.object_meta.name} ${c.check.id}`);
  return [...findings].sort();
}

/**
 * Checks the rendered stack keeps failing, by check id and component, with the reason. The test
 * fails on any other finding, and on any of these that stops firing (then remove it here).
 */
export const KEPT_FAILING: { check: string; objects: RegExp; reason: string }[] = [
  {
    check: 'container-image-pull-policy',
    objects: /^(Deployment|Job|StatefulSet|CronJob)\//,
    reason:
      'kube-score wants `Always` so that imagePullSecrets are re-checked on every start. The pull policy is a spec field (`app.imagePullPolicy`, default IfNotPresent) because clusters with local or air-gapped images (the real node of our tests, kind with loaded images) have no registry to pull from; pinning images by digest (`image@sha256:…`, accepted by every image field) gives the same guarantee of what runs.',
  },
  {
    check: 'container-security-context-user-group-id',
    objects: /^StatefulSet\/.*-postgres$/,
    reason:
      "Postgres runs as the official image's UID/GID 999. Its data directory on the volume is owned by that user with mode 0700 and Postgres refuses to start on a data directory owned by someone else, so moving existing installs to a high UID would take their databases down (fsGroup only changes the group). Redis, which keeps nothing on disk, moved to 10999.",
  },
  {
    check: 'deployment-strategy',
    objects: /^Deployment\/.*-redis$/,
    reason:
      'The cache Deployment uses Recreate on purpose: two Redis instances at once would split the cache and its password, and the shop works (slower) during the seconds without a cache.',
  },
  {
    check: 'deployment-replicas',
    objects: /^Deployment\/.*-redis$/,
    reason:
      'One Redis instance: the cache holds nothing that is not in Postgres, so a replica would add cost and a consistency problem for no durability; the shop keeps serving from Postgres while the cache restarts.',
  },
];

export function isKept(finding: Finding): boolean {
  const [object, check] = finding.split(' ');
  return KEPT_FAILING.some((k) => k.check === check && k.objects.test(object!));
}
