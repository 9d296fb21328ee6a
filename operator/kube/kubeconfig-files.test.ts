import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeconfigCandidates, mergeKubeconfigs } from './kubeconfig-files.ts';

describe('kubeconfigCandidates', () => {
  it('when KUBECONFIG lists files, then they are read in order, empty entries and repeats dropped', () => {
    const env = { KUBECONFIG: ['/a', '', '/b', '/a'].join(delimiter) };
    expect(kubeconfigCandidates(env, '/home/u')).toEqual(['/a', '/b']);
  });
  it('when KUBECONFIG is unset or empty, then ~/.kube/config is read', () => {
    expect(kubeconfigCandidates({}, '/home/u')).toEqual([join('/home/u', '.kube', 'config')]);
    expect(kubeconfigCandidates({ KUBECONFIG: '' }, '/home/u')).toEqual([join('/home/u', '.kube', 'config')]);
  });
});

describe('mergeKubeconfigs (kubectl: first wins)', () => {
  it('when two files define the same names, then the first file wins, and the first current-context', () => {
    const first = {
      clusters: [{ name: 'prod', server: 'https://first' }],
      users: [{ name: 'admin', token: 'one' }],
      contexts: [{ name: 'prod', cluster: 'prod', user: 'admin' }],
      currentContext: '',
    };
    const second = {
      clusters: [
        { name: 'prod', server: 'https://second' },
        { name: 'dev', server: 'https://dev' },
      ],
      users: [{ name: 'admin', token: 'two' }],
      contexts: [{ name: 'dev', cluster: 'dev', user: 'admin' }],
      currentContext: 'dev',
    };
    const merged = mergeKubeconfigs([first, second]);
    expect(merged.clusters).toEqual([
      { name: 'prod', server: 'https://first' },
      { name: 'dev', server: 'https://dev' },
    ]);
    expect(merged.users).toEqual([{ name: 'admin', token: 'one' }]);
    expect(merged.contexts.map((c) => c.name)).toEqual(['prod', 'dev']);
    expect(merged.currentContext).toBe('dev');
    expect(mergeKubeconfigs([{ ...first, currentContext: 'prod' }, second]).currentContext).toBe('prod');
  });
});
