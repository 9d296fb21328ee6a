// Pod Security `restricted` (https://kubernetes.io/docs/concepts/security/pod-security-standards/),
// rule by rule, plus our own bars (read-only root, requests and limits), for one pod template.
// Returns the broken rules; used on the examples and on every generated spec.
import type { PodTemplate } from './pod-templates.ts';

const ALLOWED_VOLUME_TYPES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

export function restrictedProblems({ owner, spec }: PodTemplate): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(`${owner}: ${what}`);
  };
  const pod = spec.securityContext ?? {};
  const containers = [
    ...(spec.initContainers ?? []),
    ...spec.containers,
    ...(spec.ephemeralContainers ?? []),
  ];
  // Baseline: host namespaces, host ports, privileged, capabilities, volumes, sysctls, SELinux, /proc.
  check(!spec.hostNetwork, 'hostNetwork');
  check(!spec.hostPID, 'hostPID');
  check(!spec.hostIPC, 'hostIPC');
  check((pod.sysctls ?? []).length === 0, 'sysctls');
  check(pod.seLinuxOptions === undefined, 'pod seLinuxOptions');
  for (const v of spec.volumes ?? []) {
    const types = Object.keys(v).filter((k) => k !== 'name');
    check(
      types.every((t) => ALLOWED_VOLUME_TYPES.includes(t)),
      `volume ${v.name} has type ${types}`,
    );
  }
  // Restricted: non-root, seccomp, no escalation, drop ALL.
  check(pod.seccompProfile?.type === 'RuntimeDefault', 'pod seccompProfile is not RuntimeDefault');
  check(pod.runAsNonRoot === true, 'pod runAsNonRoot');
  check(pod.runAsUser > 0, 'pod runAsUser');
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const where = `container ${c.name}`;
    check(!sc.privileged, `${where} privileged`);
    check(sc.allowPrivilegeEscalation === false, `${where} allowPrivilegeEscalation`);
    check((sc.capabilities?.drop ?? []).includes('ALL'), `${where} does not drop ALL capabilities`);
    check(
      (sc.capabilities?.add ?? []).every((cap: string) => cap === 'NET_BIND_SERVICE'),
      `${where} adds capabilities`,
    );
    check((sc.runAsNonRoot ?? pod.runAsNonRoot) === true, `${where} runAsNonRoot`);
    check((sc.runAsUser ?? pod.runAsUser) > 0, `${where} runAsUser`);
    check(
      ['RuntimeDefault', 'Localhost'].includes(sc.seccompProfile?.type ?? pod.seccompProfile?.type),
      `${where} seccompProfile`,
    );
    check((sc.procMount ?? 'Default') === 'Default', `${where} procMount`);
    check(sc.seLinuxOptions === undefined, `${where} seLinuxOptions`);
    for (const p of c.ports ?? []) check(p.hostPort === undefined, `${where} hostPort`);
    // Our bars on top: read-only root, requests and limits on every container.
    check(sc.readOnlyRootFilesystem === true, `${where} readOnlyRootFilesystem`);
    for (const r of ['cpu', 'memory']) {
      check(Boolean(c.resources?.requests?.[r]), `${where} requests.${r}`);
      check(Boolean(c.resources?.limits?.[r]), `${where} limits.${r}`);
    }
  }
  check(spec.automountServiceAccountToken === false, 'automountServiceAccountToken');
  return problems;
}
