// Where a component's pods run, in the Storefront API: nodeSelector, tolerations, affinity,
// topology spread and priority — the fields of a Pod spec platform teams set on every workload,
// typed (a subset of the Pod API's shapes) so the API server and the CLI check them alike.
import { arr, int, map, obj, oneOf, optional, required, str } from './schema.ts';

// A label key: optional DNS-subdomain prefix and a name (Kubernetes' qualified name).
export const LABEL_KEY =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$';
const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';

const labelKey = (description: string) => str({ description, pattern: LABEL_KEY, maxLength: 317 });
const labelValue = (description: string) => str({ description, pattern: LABEL_VALUE, maxLength: 63 });

/**
 * A label map. Its keys are not checked here: a CEL rule over map keys has no length bound the API
 * server's cost estimate accepts. A bad key is refused by the API server when the child object
 * that carries it is applied (condition Ready=False ReconcileError names the object and field).
 */
const labelMap = (description: string) => map(labelValue('Label value.'), { description, maxProperties: 32 });

// In and NotIn only (with at least one value): every expression is then checkable by its shape,
// with no cross-field rule. "Has the label" is nodeSelector's or matchLabels' job.
const expression = (what: string) =>
  obj(
    {
      key: required(labelKey(`${what} label key.`)),
      operator: required(
        oneOf(['In', 'NotIn'], { description: 'Whether the label value must be one of values or none.' }),
      ),
      values: required(arr(labelValue('A value.'), { description: 'Values.', minItems: 1, maxItems: 16 })),
    },
    { description: `A ${what.toLowerCase()} label requirement.` },
  );

const labelSelector = obj(
  {
    matchLabels: optional(labelMap('Labels the pods must carry.')),
    matchExpressions: optional(arr(expression('Pod'), { description: 'Label requirements.', maxItems: 8 })),
  },
  { description: 'Which pods (label selector).' },
);

const nodeSelectorTerm = obj(
  {
    matchExpressions: required(
      arr(expression('Node'), {
        description: 'Node label requirements (all must hold).',
        minItems: 1,
        maxItems: 8,
      }),
    ),
  },
  { description: 'A node selector term.' },
);

const podAffinityTerm = obj(
  {
    labelSelector: required(labelSelector),
    topologyKey: required(labelKey('Node label that defines the topology domain.')),
  },
  { description: 'Pods (in this namespace) to be near or away from, per topology domain.' },
);

const weight = () =>
  required(int({ description: 'Weight (1-100) of this preference.', minimum: 1, maximum: 100 }));
const weightedPodAffinityTerm = obj(
  { weight: weight(), podAffinityTerm: required(podAffinityTerm) },
  { description: 'A weighted pod (anti-)affinity preference.' },
);
const weightedNodeSelectorTerm = obj(
  { weight: weight(), preference: required(nodeSelectorTerm) },
  { description: 'A weighted node preference.' },
);

const podAffinity = (what: string) =>
  obj(
    {
      requiredDuringSchedulingIgnoredDuringExecution: optional(
        arr(podAffinityTerm, { description: `Hard ${what} rules.`, maxItems: 8 }),
      ),
      preferredDuringSchedulingIgnoredDuringExecution: optional(
        arr(weightedPodAffinityTerm, {
          description: `Soft ${what} rules.`,
          maxItems: 8,
        }),
      ),
    },
    { description: `Pod ${what}.` },
  );

const affinity = obj(
  {
    nodeAffinity: optional(
      obj(
        {
          requiredDuringSchedulingIgnoredDuringExecution: optional(
            obj(
              {
                nodeSelectorTerms: required(
                  arr(nodeSelectorTerm, { description: 'Terms (any may hold).', minItems: 1, maxItems: 8 }),
                ),
              },
              { description: 'Nodes the pods must run on.' },
            ),
          ),
          preferredDuringSchedulingIgnoredDuringExecution: optional(
            arr(weightedNodeSelectorTerm, {
              description: 'Nodes the pods prefer.',
              maxItems: 8,
            }),
          ),
        },
        { description: 'Node affinity.' },
      ),
    ),
    podAffinity: optional(podAffinity('affinity')),
    podAntiAffinity: optional(podAffinity('anti-affinity')),
  },
  { description: "Affinity of the pods (the Pod API's, without namespace selectors)." },
);

const toleration = obj(
  {
    // Required: a toleration of every taint (empty key) would let shops onto control-plane nodes.
    key: required(labelKey('Taint key.')),
    operator: optional(oneOf(['Equal', 'Exists'], { description: 'Equal (default) or Exists.' })),
    value: optional(labelValue('Taint value (operator Equal).')),
    effect: optional(
      oneOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute'], { description: 'Taint effect; empty for all.' }),
    ),
    tolerationSeconds: optional(
      int({
        description: 'How long a NoExecute taint is tolerated.',
        minimum: 0,
        maximum: 86400 * 365,
        format: 'int64',
      }),
    ),
  },
  {
    description: 'A toleration.',
    rules: [
      {
        cel: "!has(self.operator) || self.operator != 'Exists' || !has(self.value)",
        message: 'operator Exists takes no value',
        fieldPath: '.value',
        check: (s) => s.operator !== 'Exists' || s.value === undefined,
      },
      {
        // The Pod API's own rule: without it the Storefront is admitted and its Deployment is not.
        cel: "!has(self.tolerationSeconds) || (has(self.effect) && self.effect == 'NoExecute')",
        message: 'tolerationSeconds needs effect NoExecute',
        fieldPath: '.effect',
        check: (s) => s.tolerationSeconds === undefined || s.effect === 'NoExecute',
      },
    ],
  },
);

const topologySpreadConstraint = obj(
  {
    maxSkew: required(
      int({ description: 'Largest allowed difference in pods between domains.', minimum: 1, maximum: 100 }),
    ),
    topologyKey: required(labelKey('Node label that defines a domain.')),
    whenUnsatisfiable: required(
      oneOf(['DoNotSchedule', 'ScheduleAnyway'], { description: 'Require or prefer the spread.' }),
    ),
  },
  { description: "A spread of the component's own pods (the selector is the component's)." },
);

/** The scheduling fields of one component (`what`: app, database, cache, migration). */
export const schedulingFields = (what: string) => ({
  nodeSelector: optional(labelMap(`Node labels the ${what} pods must run on.`)),
  tolerations: optional(arr(toleration, { description: `Tolerations of the ${what} pods.`, maxItems: 16 })),
  affinity: optional(affinity),
  topologySpreadConstraints: optional(
    arr(topologySpreadConstraint, {
      description: `Topology spread of the ${what} pods${what === 'app' ? ' (replaces the default zone and hostname spread)' : ''}.`,
      maxItems: 4,
    }),
  ),
  priorityClassName: optional(
    str({
      description: `PriorityClass of the ${what} pods.`,
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
      maxLength: 253,
    }),
  ),
});

export { labelMap };
