// The front door's prerequisites with provider nginx: an IngressClass for ingress.className and,
// when ingress-nginx serves it and the spec sends HSTS, the controller's ConfigMap allowing
// Strict-Transport-Security in global-allowed-response-headers — ingress-nginx refuses a
// custom-headers ConfigMap naming a header it does not allow, and the host answers 503.
import type { Storefront } from '../api/types.ts';
import type { KubeObject } from '../core/object.ts';
import { hstsValue } from '../render/front-door.ts';
import type { DeployContext } from './context.ts';
import {
  type Deployment,
  type Finding,
  fail,
  nullIfForbidden,
  ok,
  type Target,
  warn,
} from './doctor-finding.ts';

/** ingress-nginx's --controller-class (and its IngressClass's spec.controller) when unset. */
export const INGRESS_NGINX_CONTROLLER = 'k8s.io/ingress-nginx';
export const HSTS_HEADER = 'Strict-Transport-Security';
const ALLOWED_KEY = 'global-allowed-response-headers';

type IngressClass = KubeObject & { spec?: { controller?: string } };
type ConfigMap = KubeObject & { data?: Record<string, string> };

export async function ingressClass(ctx: DeployContext, target: Target | undefined): Promise<Finding[]> {
  const sf = target?.sf;
  if (sf?.spec.ingress.provider === 'gatewayAPI') return [];
  const className = sf?.spec.ingress.className ?? 'nginx';
  const found = await ctx.client
    .tryGet<IngressClass>({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', name: className })
    .catch(nullIfForbidden);
  if (found === null)
    return [
      warn('ingress-class', `cannot read IngressClass ${className} (forbidden)`, 'ask a cluster admin'),
    ];
  if (!found) {
    const fix = `install ingress-nginx with IngressClass ${className} (global-allowed-response-headers including ${HSTS_HEADER}), or set ingress.className to a class the cluster has (kubectl get ingressclass)`;
    return [
      sf
        ? fail(
            'ingress-class',
            `no IngressClass ${className}, and ${sf.metadata.name} sets ingress.className ${className}: nothing will serve its Ingress (IngressReady stays NoAddress)`,
            fix,
          )
        : warn(
            'ingress-class',
            `no IngressClass ${className}: nothing will serve the Ingress (IngressReady stays NoAddress)`,
            fix,
          ),
    ];
  }
  return [
    ok('ingress-class', `IngressClass ${className} exists (controller ${found.spec?.controller ?? 'unset'})`),
    ...(await ingressNginxHeaders(ctx, found, sf)),
  ];
}

/** `--name=value` or `--name value` in a container's command line. */
function flag(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i]!.startsWith(`--${name}=`)) return argv[i]!.slice(name.length + 3);
    if (argv[i] === `--${name}`) return argv[i + 1];
  }
  return undefined;
}

interface Controller {
  workload: string;
  namespace: string;
  configmap: string | undefined;
  ingressClass: string | undefined;
}

/** ingress-nginx controllers (Deployments and DaemonSets) of `controller`; undefined: forbidden. */
async function controllersOf(ctx: DeployContext, controller: string): Promise<Controller[] | undefined> {
  const out: Controller[] = [];
  for (const kind of ['Deployment', 'DaemonSet']) {
    const list = await ctx.client.list<Deployment>({ apiVersion: 'apps/v1', kind }).catch(nullIfForbidden);
    if (list === null) return undefined;
    for (const w of list.items)
      for (const c of w.spec?.template?.spec?.containers ?? []) {
        const argv = [...(c.command ?? []), ...(c.args ?? [])];
        if (!argv.some((a) => a.includes('nginx-ingress-controller'))) continue;
        if ((flag(argv, 'controller-class') ?? INGRESS_NGINX_CONTROLLER) !== controller) continue;
        out.push({
          workload: `${kind.toLowerCase()} ${w.metadata.namespace}/${w.metadata.name}`,
          namespace: w.metadata.namespace!,
          configmap: flag(argv, 'configmap'),
          ingressClass: flag(argv, 'ingress-class'),
        });
      }
  }
  return out;
}

async function ingressNginxHeaders(
  ctx: DeployContext,
  cls: IngressClass,
  sf: Storefront | undefined,
): Promise<Finding[]> {
  const check = 'ingress-nginx';
  const className = cls.metadata.name;
  const controller = cls.spec?.controller ?? '';
  const all = await controllersOf(ctx, controller);
  if (all === undefined)
    return [
      warn(
        check,
        'cannot list Deployments/DaemonSets in every namespace (forbidden), so the ingress-nginx ConfigMap was not checked',
        `ask a cluster admin to check that ${ALLOWED_KEY} in the ingress-nginx controller ConfigMap includes ${HSTS_HEADER}`,
      ),
    ];
  if (all.length === 0 && controller !== INGRESS_NGINX_CONTROLLER)
    return [
      warn(
        check,
        `IngressClass ${className} is served by controller ${controller || '(unset)'}, not ingress-nginx: the Ingress's nginx annotations (TLS redirect, HSTS, rate limits, body size, WAF) are not read`,
        'use an ingress-nginx IngressClass (ingress.className), or provider gatewayAPI',
      ),
    ];
  // Controllers started with --ingress-class serve that class only (and those without, any).
  const controllers = all.filter((c) => c.ingressClass === undefined || c.ingressClass === className);
  if (controllers.length === 0)
    return [
      warn(
        check,
        `no ingress-nginx Deployment/DaemonSet with --controller-class=${controller} for IngressClass ${className} was found, so its ConfigMap (${ALLOWED_KEY}) was not checked`,
        `check that ${ALLOWED_KEY} in its controller ConfigMap includes ${HSTS_HEADER}`,
      ),
    ];
  const out: Finding[] = [];
  for (const c of controllers) out.push(await configMapFinding(ctx, c, sf));
  return out;
}

async function configMapFinding(
  ctx: DeployContext,
  c: Controller,
  sf: Storefront | undefined,
): Promise<Finding> {
  const check = 'ingress-nginx';
  const ref = c.configmap?.replaceAll('$(POD_NAMESPACE)', c.namespace);
  if (!ref || ref.includes('$('))
    return warn(
      check,
      `${c.workload} ${ref ? `names its ConfigMap through ${ref}` : 'has no --configmap argument'}, so ${ALLOWED_KEY} could not be checked`,
      `check that ${ALLOWED_KEY} in its controller ConfigMap includes ${HSTS_HEADER}`,
    );
  const [namespace, name] = ref.includes('/') ? ref.split('/', 2) : [c.namespace, ref];
  const cm = await ctx.client
    .tryGet<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: namespace!, name: name! })
    .catch(nullIfForbidden);
  if (cm === null)
    return warn(
      check,
      `cannot read ConfigMap ${namespace}/${name} of ${c.workload} (forbidden)`,
      'ask a cluster admin',
    );
  const allowed = (cm?.data?.[ALLOWED_KEY] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const where = `ConfigMap ${namespace}/${name} of ${c.workload}`;
  if (allowed.includes(HSTS_HEADER.toLowerCase()))
    return ok(check, `${where} allows ${HSTS_HEADER} in ${ALLOWED_KEY}`);
  const lacks = `${where} ${cm ? `does not list ${HSTS_HEADER} in ${ALLOWED_KEY}` : `does not exist (the controller's defaults allow no custom response header)`}`;
  const current = cm?.data?.[ALLOWED_KEY]?.trim();
  const fix = `kubectl -n ${namespace} patch configmap ${name} --type merge -p '{"data":{"${ALLOWED_KEY}":"${current ? `${current},` : ''}${HSTS_HEADER}"}}'`;
  if (!sf) return warn(check, `${lacks}: hosts of Storefronts sending HSTS (the default) answer 503`, fix);
  if (!hstsValue(sf))
    return ok(check, `${lacks}; ${sf.metadata.name} sends no HSTS header, so it needs none`);
  return fail(
    check,
    `${lacks}, and ${sf.metadata.name} sends HSTS (ingress.hsts.enabled with TLS on): its host answers 503`,
    `${fix} (or set ingress.hsts.enabled: false)`,
  );
}
