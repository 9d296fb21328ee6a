// Pod Security admission is the real one: a namespace labelled enforce=restricted rejects a
// non-compliant pod with the violations named, and admits a compliant one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, deleteNamespace, getJson, kTry } from './test-helpers.ts';

function pod(
  name: string,
  securityContext: Record<string, unknown>,
  podSecurityContext: Record<string, unknown> = {},
) {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      securityContext: podSecurityContext,
      containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', securityContext }],
    },
  });
}

describe('Pod Security admission', () => {
  let ns: string;
  beforeAll(() => {
    ns = createNamespace('psa', { 'pod-security.kubernetes.io/enforce': 'restricted' });
  });
  afterAll(() => deleteNamespace(ns));

  it('when a pod violates restricted, then the API server rejects it and names the violations', () => {
    const res = kTry(['create', '-n', ns, '-f', '-'], { input: pod('bad', { privileged: true }) });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('violates PodSecurity "restricted:latest"');
    expect(res.stderr).toContain('privileged');
    expect(res.stderr).toContain('allowPrivilegeEscalation');
    expect(kTry(['get', 'pod', 'bad', '-n', ns]).stderr).toContain('(NotFound)');
  });

  it('when a pod is compliant, then it is admitted', () => {
    const res = kTry(['create', '-n', ns, '-f', '-'], {
      input: pod(
        'good',
        { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
      ),
    });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(getJson<{ metadata: { name: string } }>(['pod', 'good', '-n', ns]).metadata.name).toBe('good');
  });

  it('when the namespace is not labelled, then the same privileged pod is admitted (the label is what enforces)', () => {
    const open = createNamespace('psa-open');
    try {
      const res = kTry(['create', '-n', open, '-f', '-'], { input: pod('privileged', { privileged: true }) });
      expect(res.stderr).toBe('');
      expect(res.status).toBe(0);
    } finally {
      deleteNamespace(open);
    }
  });
});
