/**
 * The topics of topics/topics.json as Strimzi KafkaTopic resources (kafka.strimzi.io/v1beta2),
 * for a cluster whose topics are managed by the Strimzi Topic Operator: one YAML document
 * per topic, with the prefix, partitions, replicas and configs `topics apply` would use.
 * Scalars are written as JSON strings, which YAML reads as they are.
 */
import type { TopicPlanEntry } from './definitions.js';

/** A Kubernetes resource name (DNS-1123 subdomain) for a topic name; the topic keeps its own in spec.topicName. */
export function resourceName(topic: string): string {
  const n = topic.toLowerCase().replace(/[^a-z0-9.-]/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return n.slice(0, 253) || 'topic';
}

export function strimziTopics(plan: readonly TopicPlanEntry[], cluster: string): string {
  const q = (s: string): string => JSON.stringify(s);
  return plan.map((t) => [
    'apiVersion: "kafka.strimzi.io/v1beta2"',
    'kind: "KafkaTopic"',
    'metadata:',
    `  name: ${q(resourceName(t.topic))}`,
    '  labels:',
    `    strimzi.io/cluster: ${q(cluster)}`,
    '  annotations:',
    `    s1mig.uk/description: ${q(t.description)}`,
    'spec:',
    `  topicName: ${q(t.topic)}`,
    `  partitions: ${t.partitions}`,
    `  replicas: ${t.replicationFactor}`,
    '  config:',
    ...Object.entries(t.configs).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `    ${q(k)}: ${q(String(v))}`),
  ].join('\n')).join('\n---\n') + '\n';
}
