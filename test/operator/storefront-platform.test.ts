// Platform-team operations on the real control plane with the operator running: `kubectl scale`
// through the CRD's scale subresource, the printer columns, `kubectl delete all --all` leaving
// shops alone, and `spec.suspend` stopping every correction until it is lifted.
import { beforeAll, describe, expect, it } from 'vitest';
import { k, kJson, kTry, operatorSuite, storefrontDoc, waitFor } from './support.ts';

const suite = operatorSuite(['sf-plat'], () => ['--resync', '3s', '--no-leader-elect']);
let ns: string;
beforeAll(() => {
  ns = suite.namespaces[0]!;
});

const deploymentReplicas = (name: string) =>
  kJson(['get', 'deployment', `${name}-app`, '-n', ns]).spec.replicas as number;

describe('Storefront platform operations', () => {
  it('kubectl scale sf/x --replicas 4 sets spec.app.replicas; the app Deployment and status follow', async () => {
    k(['apply', '--server-side', '-n', ns, '-f', '-'], storefrontDoc('scaled'));
    await waitFor(
      'the app Deployment',
      () => kTry(['get', 'deployment', 'scaled-app', '-n', ns]).status === 0,
    );
    expect(deploymentReplicas('scaled')).toBe(2);

    k(['scale', '-n', ns, 'sf/scaled', '--replicas', '4']);
    expect(kJson(['get', 'sf', 'scaled', '-n', ns]).spec.app.replicas).toBe(4);
    await waitFor('Deployment at 4 replicas', () => deploymentReplicas('scaled') === 4);
    const scale = await waitFor('status.replicas 4 through the scale subresource', () => {
      const s = kJson(['get', 'sf', 'scaled', '-n', ns, '--subresource', 'scale']);
      return s.status?.replicas === 4 ? s : undefined;
    });
    expect(scale.spec.replicas).toBe(4);
    // The selector an HPA counts Pods by selects exactly the app Pods.
    const pods = kJson(['get', 'pods', '-n', ns, '-l', scale.status.selector]).items;
    expect(pods.length).toBe(4);
    expect(pods.every((p: any) => p.metadata.labels['app.kubernetes.io/component'] === 'app')).toBe(true);

    // The schema still applies through the subresource: 0 is below spec.app.replicas' minimum.
    const zero = kTry(['scale', '-n', ns, 'sf/scaled', '--replicas', '0']);
    expect(zero.status).not.toBe(0);
    expect(zero.stderr).toMatch(/replicas/);
  });

  it('kubectl get sf shows the components (App, DB, Cache) besides Ready, URL and Age', async () => {
    const row = await waitFor('the App column at 4/4', () => {
      const out = k(['get', 'sf', 'scaled', '-n', ns]);
      return /\b4\/4\b/.test(out) ? out : undefined;
    });
    const [header, line] = row.trim().split('\n');
    expect(header!.split(/\s+/)).toEqual(['NAME', 'READY', 'REASON', 'APP', 'DB', 'CACHE', 'URL', 'AGE']);
    expect(line).toContain('https://scaled.example.com/');
  });

  it('kubectl delete all --all does not delete Storefronts (not in the all category)', () => {
    kTry(['delete', 'all', '--all', '-n', ns, '--wait=false']);
    expect(kTry(['get', 'sf', 'scaled', '-n', ns]).status).toBe(0);
    expect(k(['get', 'storefront', '-n', ns, '-o', 'name'])).toContain('storefront.storefront.dev/scaled');
  });

  it('suspend: true stops corrections and says so in status; false resumes them', async () => {
    k(['apply', '--server-side', '-n', ns, '-f', '-'], storefrontDoc('paused'));
    await waitFor('the app Deployment', () => deploymentReplicas('paused') === 2);
    k(['patch', 'sf', 'paused', '-n', ns, '--type', 'merge', '-p', '{"spec":{"suspend":true}}']);
    await waitFor('condition Suspended', () => {
      const sf = kJson(['get', 'sf', 'paused', '-n', ns]);
      return sf.status?.conditions?.find((c: any) => c.type === 'Suspended' && c.status === 'True');
    });

    // A spec change and a drifted child are both left alone while suspended.
    k(['delete', 'service', 'paused-app', '-n', ns]);
    k(['patch', 'sf', 'paused', '-n', ns, '--type', 'merge', '-p', '{"spec":{"app":{"replicas":3}}}']);
    // Proof that the operator has reconciled the new generation (and seen the deletion) while
    // suspended: it wrote status for that generation, and a resync (3 s) has run since.
    const generation = kJson(['get', 'sf', 'paused', '-n', ns]).metadata.generation;
    await waitFor('status observed the suspended generation', () => {
      const sf = kJson(['get', 'sf', 'paused', '-n', ns]);
      return sf.status?.observedGeneration === generation;
    });
    await new Promise((r) => setTimeout(r, 7_000));
    expect(deploymentReplicas('paused')).toBe(2);
    expect(kTry(['get', 'service', 'paused-app', '-n', ns]).status).not.toBe(0);
    const message = kJson(['get', 'sf', 'paused', '-n', ns]).status.conditions.find(
      (c: any) => c.type === 'Suspended',
    ).message;
    expect(message).toContain('spec.suspend is true');

    k(['patch', 'sf', 'paused', '-n', ns, '--type', 'merge', '-p', '{"spec":{"suspend":false}}']);
    await waitFor(
      'the Service restored',
      () => kTry(['get', 'service', 'paused-app', '-n', ns]).status === 0,
    );
    await waitFor('Deployment at 3 replicas', () => deploymentReplicas('paused') === 3);
    await waitFor('condition Suspended gone', () => {
      const sf = kJson(['get', 'sf', 'paused', '-n', ns]);
      return !sf.status?.conditions?.some((c: any) => c.type === 'Suspended');
    });
  });
});
