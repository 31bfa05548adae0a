// Writes deploy/k8s/monitoring/prometheus-rule.yaml: the shipped alert rules
// (deploy/prometheus/alerts.yaml, the one source) as a Prometheus Operator PrometheusRule.
// Run after changing the rules: node scripts/prometheus-rule.mjs (a test fails while they differ).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HEADER = `# Generated from deploy/prometheus/alerts.yaml by \`node scripts/prometheus-rule.mjs\`: edit
# the rules there. For clusters with the Prometheus Operator (kube-prometheus-stack):
# kubectl apply -k deploy/k8s/monitoring. The release label is what kube-prometheus-stack's
# default ruleSelector matches (its Helm release name); change it to yours.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: edge-alerts
  labels: { app.kubernetes.io/part-of: edge, release: kube-prometheus-stack }
spec:
`;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lines = readFileSync(join(root, 'deploy/prometheus/alerts.yaml'), 'utf8').split('\n');
// The file's own header comment describes the file, not the rules.
const firstRule = lines.findIndex((line) => !line.startsWith('#'));
const indented = lines.slice(firstRule).map((line) => (line === '' ? '' : `  ${line}`));
writeFileSync(
  join(root, 'deploy/k8s/monitoring/prometheus-rule.yaml'),
  HEADER + indented.join('\n'),
);
