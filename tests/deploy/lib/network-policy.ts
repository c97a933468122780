import type { K8sObject } from './kustomize';

/*
 * NetworkPolicy ingress semantics (networking.k8s.io/v1), enough to ask "may pod A open a TCP
 * connection to port P of pod B": a pod selected by no Ingress policy accepts everything; a pod
 * selected by at least one accepts what any of their rules allows (union). ipBlock peers are not
 * modelled (they never match a pod here).
 */

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: unknown;
}

interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

interface NetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes?: string[];
  ingress?: { from?: PolicyPeer[]; ports?: PolicyPort[] }[];
  egress?: unknown[];
}

export interface Pod {
  namespace: string;
  /** Labels of the pod's namespace (kubernetes.io/metadata.name is always set by the API server). */
  namespaceLabels?: Record<string, string>;
  labels: Record<string, string>;
  /** Named container ports, for policies that name ports. */
  ports?: { name?: string; containerPort: number; protocol?: string }[];
}

export function matchesSelector(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const value = labels[e.key];
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(value!))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(value!)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const namespaceLabels = (pod: Pod) => ({ 'kubernetes.io/metadata.name': pod.namespace, ...pod.namespaceLabels });

function peerMatches(peer: PolicyPeer, policyNamespace: string, from: Pod): boolean {
  if (peer.ipBlock) return false;
  if (peer.namespaceSelector) {
    if (!matchesSelector(peer.namespaceSelector, namespaceLabels(from))) return false;
    return matchesSelector(peer.podSelector, from.labels);
  }
  // podSelector alone: pods of the policy's own namespace.
  return from.namespace === policyNamespace && matchesSelector(peer.podSelector, from.labels);
}

function portMatches(rulePort: PolicyPort, to: Pod, port: number): boolean {
  if ((rulePort.protocol ?? 'TCP') !== 'TCP') return false;
  if (rulePort.port === undefined) return true;
  const resolved =
    typeof rulePort.port === 'number'
      ? rulePort.port
      : to.ports?.find((p) => p.name === rulePort.port && (p.protocol ?? 'TCP') === 'TCP')?.containerPort;
  if (resolved === undefined) return false;
  return rulePort.endPort ? port >= resolved && port <= rulePort.endPort : port === resolved;
}

export function ingressAllowed(policies: K8sObject[], from: Pod, to: Pod, port: number): boolean {
  const selecting = policies.filter((p) => {
    const spec = p.spec as NetworkPolicySpec;
    const types = spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
    return (
      (p.metadata.namespace ?? to.namespace) === to.namespace && types.includes('Ingress') && matchesSelector(spec.podSelector, to.labels)
    );
  });
  if (!selecting.length) return true;
  return selecting.some((p) =>
    ((p.spec as NetworkPolicySpec).ingress ?? []).some(
      (rule) =>
        (!rule.from?.length || rule.from.some((peer) => peerMatches(peer, p.metadata.namespace ?? to.namespace, from))) &&
        (!rule.ports?.length || rule.ports.some((rp) => portMatches(rp, to, port))),
    ),
  );
}
