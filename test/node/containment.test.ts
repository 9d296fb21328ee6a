// The real node cannot send a packet off this machine. Proven without sending one: `ip route get`
// only asks the routing table. From the node's network namespace (where every pod, CoreDNS,
// kube-proxy and the firewall live) an outside address is unreachable and there is no default
// route; on the host the pod and Service ranges are unreachable.
import { describe, expect, it } from 'vitest';
import { testCluster } from '../cluster/context.ts';
import { assertContained, hostUnreachable, routeGet, routes } from '../cluster/node/containment.ts';
import { readNode } from '../cluster/node/node.ts';

function node() {
  const n = readNode(testCluster().stateDir);
  if (!n) throw new Error(`no real node in ${testCluster().stateDir}`);
  return n;
}

describe('real node containment', () => {
  it('when the node runs, then its namespace has no default route and no interface but lo, bridges and veths', () => {
    const { netns } = node();
    expect(routes(netns).filter((r) => r.dst === 'default')).toEqual([]);
    expect(() => assertContained(netns)).not.toThrow();
  });

  it('when a packet for an outside address is routed in the node namespace, then the table answers unreachable', () => {
    const { netns, nodeIp } = node();
    for (const outside of ['1.1.1.1', '8.8.8.8', '192.0.2.1', '172.16.0.1']) {
      const got = routeGet(outside, netns);
      expect(got, `route to ${outside} from ${netns}`).toEqual({
        ok: false,
        error: expect.stringMatching(/unreachable/i),
      });
    }
    // What must work there: the node IP is local, the pod range is on the bridge.
    expect(routeGet(nodeIp, netns)).toMatchObject({ ok: true, route: expect.stringMatching(/^local /) });
    expect(routeGet('10.244.0.2', netns)).toMatchObject({
      ok: true,
      route: expect.stringContaining('dev sfbr0'),
    });
  });

  it('when the host routes a pod or Service address, then the table answers unreachable', () => {
    for (const range of hostUnreachable) {
      expect(
        routes().some((r) => r.dst === range && r.type === 'unreachable'),
        `host route for ${range}`,
      ).toBe(true);
    }
    for (const address of ['10.244.0.2', '10.244.200.9', '10.96.0.1', '10.96.0.10', '10.96.255.254']) {
      // The `unreachable` route answers EHOSTUNREACH ("No route to host"), before the default route.
      expect(routeGet(address), `host route to ${address}`).toEqual({
        ok: false,
        error: expect.stringMatching(/No route to host/),
      });
    }
  });
});
