// Every pod template of every example, checked rule by rule against Pod Security `restricted`
// (https://kubernetes.io/docs/concepts/security/pod-security-standards/) plus our own bars.
import { describe, expect, it } from 'vitest';
import { render } from './render.ts';
import { exampleFiles, fixedInputs, loadExample } from './testdata/fixtures.ts';
import { podTemplates } from './testdata/pod-templates.ts';

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

const cases = exampleFiles().flatMap((file) => {
  const sf = loadExample(file);
  return podTemplates(render(sf, fixedInputs(sf))).map((t) => ({ file, ...t }));
});

describe('Pod Security restricted', () => {
  it('when examples are rendered, then there are pod templates to check', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  it.each(cases)('when $file renders $owner, then every restricted rule holds', ({ spec }) => {
    const pod = spec.securityContext ?? {};
    const containers = [
      ...(spec.initContainers ?? []),
      ...spec.containers,
      ...(spec.ephemeralContainers ?? []),
    ];
    // Baseline: host namespaces, host ports, privileged, capabilities, volumes, sysctls, SELinux, /proc.
    expect(spec.hostNetwork ?? false).toBe(false);
    expect(spec.hostPID ?? false).toBe(false);
    expect(spec.hostIPC ?? false).toBe(false);
    expect(pod.sysctls ?? []).toEqual([]);
    expect(pod.seLinuxOptions).toBeUndefined();
    for (const v of spec.volumes ?? []) {
      const types = Object.keys(v).filter((k) => k !== 'name');
      expect(
        types.every((t) => ALLOWED_VOLUME_TYPES.includes(t)),
        `volume ${v.name}: ${types}`,
      ).toBe(true);
    }
    // Restricted: non-root, seccomp, no escalation, drop ALL.
    expect(pod.seccompProfile?.type).toBe('RuntimeDefault');
    expect(pod.runAsNonRoot).toBe(true);
    expect(pod.runAsUser).toBeGreaterThan(0);
    for (const c of containers) {
      const sc = c.securityContext ?? {};
      expect(sc.privileged ?? false, c.name).toBe(false);
      expect(sc.allowPrivilegeEscalation, c.name).toBe(false);
      expect(sc.capabilities?.drop, c.name).toContain('ALL');
      expect(
        (sc.capabilities?.add ?? []).every((cap: string) => cap === 'NET_BIND_SERVICE'),
        c.name,
      ).toBe(true);
      expect(sc.runAsNonRoot ?? pod.runAsNonRoot, c.name).toBe(true);
      expect(sc.runAsUser ?? pod.runAsUser, c.name).toBeGreaterThan(0);
      expect(['RuntimeDefault', 'Localhost']).toContain(sc.seccompProfile?.type ?? pod.seccompProfile?.type);
      expect(sc.procMount ?? 'Default', c.name).toBe('Default');
      expect(sc.seLinuxOptions, c.name).toBeUndefined();
      for (const p of c.ports ?? []) expect(p.hostPort, `${c.name} hostPort`).toBeUndefined();
      // Our bars on top: read-only root, requests and limits on every container.
      expect(sc.readOnlyRootFilesystem, c.name).toBe(true);
      for (const r of ['cpu', 'memory']) {
        expect(c.resources?.requests?.[r], `${c.name} requests.${r}`).toBeTruthy();
        expect(c.resources?.limits?.[r], `${c.name} limits.${r}`).toBeTruthy();
      }
    }
    expect(spec.automountServiceAccountToken).toBe(false);
  });
});
