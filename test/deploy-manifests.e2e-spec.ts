import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { knownVariables, loadGatewayConfig } from '../src/config/gateway-config';
import { SECRET_VARIABLES } from '../src/config/secret-files';
import { TempDir } from '../src/testing/temp-dir';
import { shutdownPlan } from '../src/health/graceful-shutdown';
import { K8sObject, kubectlAvailable, kustomizeBuild, readKustomization } from './support/kustomize';
import { startTokenStack, TokenStack } from './support/token-stack';

const KUSTOMIZE_ROOT = path.resolve(__dirname, '../deploy/kubernetes');
const OVERLAYS = readdirSync(path.join(KUSTOMIZE_ROOT, 'overlays'));
const CONFIG_MAP = 'connector-gateway-config';
const SECRET = 'connector-gateway-secrets';

type Probe = { httpGet?: { path: string; port: string | number } };
type Container = {
  name: string;
  image: string;
  ports: Array<{ name: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
};

/** One overlay as the checks see it: the objects, and the non-secret variables its ConfigMap holds. */
interface Deployed {
  objects: K8sObject[];
  config: Record<string, string>;
}

const SOURCES: Array<[string, (dir: string) => Deployed]> = [
  [
    'as written',
    (dir) => {
      const { objects, configMaps } = readKustomization(dir);
      return { objects, config: configMaps.get(CONFIG_MAP) ?? {} };
    },
  ],
];
if (kubectlAvailable()) {
  SOURCES.push([
    'as kubectl kustomize builds it',
    (dir) => {
      const objects = kustomizeBuild(dir);
      const configMap = objects.find(
        (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith(CONFIG_MAP),
      ) as (K8sObject & { data?: Record<string, string> }) | undefined;
      return { objects, config: configMap?.data ?? {} };
    },
  ]);
}

function one(objects: K8sObject[], kind: string): K8sObject & Record<string, any> {
  const found = objects.filter((o) => o.kind === kind);
  expect(found.map((o) => o.metadata.name)).toHaveLength(1);
  return found[0] as K8sObject & Record<string, any>;
}

function gatewayContainer(objects: K8sObject[]): Container {
  const containers = one(objects, 'Deployment').spec.template.spec.containers as Container[];
  expect(containers).toHaveLength(1);
  return containers[0];
}

function dockerfileUser(): string {
  const dockerfile = readFileSync(path.resolve(__dirname, '../Dockerfile'), 'utf8');
  const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((match) => match[1]);
  return users[users.length - 1];
}

const secretDir = new TempDir();
afterAll(() => secretDir.remove());

/** The configuration with each <NAME>_FILE pointing at a file holding a fresh random secret, as the Secret mount would. */
function withSecretFiles(config: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).map(([name, value]) =>
      name.endsWith('_FILE')
        ? [name, secretDir.write(name, `${randomBytes(32).toString('hex')}\n`)]
        : [name, value],
    ),
  );
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

describe.each(OVERLAYS)('Kubernetes overlay %s', (overlay) => {
  describe.each(SOURCES)('%s', (_source, load) => {
    let deployed: Deployed;
    beforeAll(() => {
      deployed = load(path.join(KUSTOMIZE_ROOT, 'overlays', overlay));
    });

    it('probes the process with /health/live (startup, liveness) and the traffic with /health/ready, on a declared port', () => {
      const container = gatewayContainer(deployed.objects);
      expect(container.startupProbe?.httpGet?.path).toBe('/health/live');
      expect(container.livenessProbe?.httpGet?.path).toBe('/health/live');
      expect(container.readinessProbe?.httpGet?.path).toBe('/health/ready');
      const ports = container.ports.map((port) => port.name);
      for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe])
        expect(ports).toContain(probe!.httpGet!.port);
      const http = container.ports.find((port) => port.name === 'http')!;
      expect(String(http.containerPort)).toBe(deployed.config.PORT ?? '8080');
    });

    it("runs as the image's non-root user, read-only, without privilege escalation or capabilities", () => {
      const pod = one(deployed.objects, 'Deployment').spec.template.spec;
      const container = gatewayContainer(deployed.objects);
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`).toBe(dockerfileUser());
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        privileged: false,
        capabilities: { drop: ['ALL'] },
      });
      // A read-only root filesystem still needs a writable /tmp (Node and its dependencies may use it).
      const mounts = (container as unknown as { volumeMounts: Array<{ mountPath: string }> }).volumeMounts;
      expect(mounts.map((mount) => mount.mountPath)).toContain('/tmp');
      expect(container.resources?.requests).toEqual(
        expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }),
      );
      expect(container.resources?.limits?.memory).toEqual(expect.any(String));
      expect(pod.automountServiceAccountToken).toBe(false);
    });

    it('sets only variables the configuration knows, and they pass production validation once the secrets are there', () => {
      const known = new Set(knownVariables());
      const container = gatewayContainer(deployed.objects);
      const set = [
        ...Object.keys(deployed.config),
        ...(container.env ?? []).map((variable) => variable.name),
      ];
      expect(set.filter((name) => !known.has(name))).toEqual([]);
      expect(deployed.config.NODE_ENV).toBe('production');
      expect(loadGatewayConfig(withSecretFiles(deployed.config)).app.production).toBe(true);
    });

    it('reads every secret from a file of the mounted Secret, none from the ConfigMap or the environment', () => {
      expect(
        Object.keys(deployed.config).filter(
          (name) => /SECRET|PASSWORD|TOKEN|_KEY$/.test(name) && !name.endsWith('_FILE'),
        ),
      ).toEqual([]);
      const container = gatewayContainer(deployed.objects) as Container & {
        volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
      };
      expect(container.envFrom).toEqual([
        { configMapRef: { name: expect.stringMatching(new RegExp(`^${CONFIG_MAP}`)) } },
      ]);
      expect((container.env ?? []).filter((v) => /SECRET/.test(v.name))).toEqual([]);
      const files = Object.entries(deployed.config).filter(([name]) => name.endsWith('_FILE'));
      // The secrets of the overlays' features; opaque-token introspection and a Redis password are opt-in.
      const optional = ['OAUTH_INTROSPECTION_CLIENT_SECRET', 'REDIS_URL'];
      expect(files.map(([name]) => name).sort()).toEqual(
        SECRET_VARIABLES.filter((name) => !optional.includes(name)).map((name) => `${name}_FILE`),
      );
      const volumes = one(deployed.objects, 'Deployment').spec.template.spec.volumes as Array<{
        name: string;
        secret?: { secretName: string };
      }>;
      for (const [name, file] of files) {
        const mount = container.volumeMounts.find((m) => path.posix.dirname(file) === m.mountPath);
        expect({ name, mount }).toEqual({ name, mount: expect.objectContaining({ readOnly: true }) });
        const volume = volumes.find((v) => v.name === mount!.name);
        expect(volume?.secret?.secretName).toBe(SECRET);
        // The keys docs/deploy/kubernetes.md tells operators to create.
        expect(path.posix.basename(file)).toBe(
          name
            .replace(/_FILE$/, '')
            .toLowerCase()
            .replace(/_/g, '-'),
        );
      }
    });

    it('gives a pod longer to stop than the drain, the longest tool timeout and a margin', () => {
      const pod = one(deployed.objects, 'Deployment').spec.template.spec;
      const plan = shutdownPlan(loadGatewayConfig(withSecretFiles(deployed.config)));
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(plan.graceMs + plan.drainMs);
    });

    it('points the Service, PodDisruptionBudget, autoscaler, Ingress and ServiceMonitor at the gateway', () => {
      const deployment = one(deployed.objects, 'Deployment');
      const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
      expect(matches(deployment.spec.selector.matchLabels, podLabels)).toBe(true);
      const portNames = gatewayContainer(deployed.objects).ports.map((port) => port.name);

      const service = one(deployed.objects, 'Service');
      expect(matches(service.spec.selector, podLabels)).toBe(true);
      for (const port of service.spec.ports) expect(portNames).toContain(port.targetPort);

      expect(matches(one(deployed.objects, 'PodDisruptionBudget').spec.selector.matchLabels, podLabels)).toBe(
        true,
      );
      const hpa = one(deployed.objects, 'HorizontalPodAutoscaler');
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: deployment.metadata.name,
      });
      expect(hpa.spec.minReplicas).toBeGreaterThan(
        one(deployed.objects, 'PodDisruptionBudget').spec.minAvailable,
      );
      // The HPA owns the replica count; a fixed one would be reset on every apply.
      expect(deployment.spec.replicas).toBeUndefined();

      const ingress = one(deployed.objects, 'Ingress');
      const host = new URL(deployed.config.PUBLIC_URL).host;
      expect(ingress.spec.tls.flatMap((tls: { hosts: string[] }) => tls.hosts)).toContain(host);
      const rule = ingress.spec.rules.find((r: { host: string }) => r.host === host);
      const backend = rule.http.paths[0].backend.service;
      expect(backend.name).toBe(service.metadata.name);
      expect(service.spec.ports.map((port: { name: string }) => port.name)).toContain(backend.port.name);
      // Only the API port is published; metrics stay inside the cluster.
      expect(backend.port.name).toBe('http');

      // The admin server answers the scrape on every interface of the pod, on the port the Service names.
      const metricsPort = gatewayContainer(deployed.objects).ports.find((port) => port.name === 'metrics')!;
      expect(String(metricsPort.containerPort)).toBe(deployed.config.METRICS_PORT);
      expect(deployed.config.METRICS_HOST).toBe('0.0.0.0');
      for (const monitor of deployed.objects.filter((o) => o.kind === 'ServiceMonitor') as any[]) {
        expect(matches(monitor.spec.selector.matchLabels, service.metadata.labels ?? {})).toBe(true);
        for (const endpoint of monitor.spec.endpoints)
          expect(service.spec.ports.map((port: { name: string }) => port.name)).toContain(endpoint.port);
      }
    });
  });
});

describe('the probe paths of every overlay', () => {
  let stack: TokenStack;
  beforeAll(async () => {
    stack = await startTokenStack({ secret: 'p'.repeat(64), tools: () => [] });
  });
  afterAll(() => stack.stop());

  it('are routes of the gateway that answer 200 when it is ready', async () => {
    const paths = new Set<string>();
    for (const overlay of OVERLAYS) {
      const container = gatewayContainer(
        readKustomization(path.join(KUSTOMIZE_ROOT, 'overlays', overlay)).objects,
      );
      for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe])
        paths.add(probe!.httpGet!.path);
    }
    expect([...paths].sort()).toEqual(['/health/live', '/health/ready']);
    for (const probePath of paths) {
      const response = await fetch(`${stack.gateway.url}${probePath}`);
      expect({ path: probePath, status: response.status }).toEqual({ path: probePath, status: 200 });
      expect(await response.json()).toMatchObject({ status: 'ok' });
    }
  });
});
