import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseEnv } from 'node:util';

import { parseAllDocuments } from 'yaml';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
};

export function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `kubectl kustomize dir`: kustomize exactly as `kubectl apply -k` would build it. */
export function kustomizeBuild(dir: string): K8sObject[] {
  return parseYamlDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' }));
}

/**
 * Every object and every generated ConfigMap of a kustomization without kustomize: resources and
 * components followed recursively, configMapGenerator env files merged in order. Patches, name hashes
 * and label transformers are not applied, so checks on this view hold for every file as written.
 */
export function readKustomization(dir: string): {
  objects: K8sObject[];
  configMaps: Map<string, Record<string, string>>;
} {
  const objects: K8sObject[] = [];
  const configMaps = new Map<string, Record<string, string>>();
  const visit = (directory: string): void => {
    const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']
      .map((name) => path.join(directory, name))
      .find((candidate) => existsSync(candidate));
    if (!file) throw new Error(`${directory} has no kustomization.yaml`);
    const kustomization = parseYamlDocuments(readFileSync(file, 'utf8'))[0] as unknown as {
      resources?: string[];
      components?: string[];
      configMapGenerator?: Array<{ name: string; envs?: string[]; literals?: string[] }>;
    };
    for (const entry of [...(kustomization.resources ?? []), ...(kustomization.components ?? [])]) {
      const target = path.resolve(directory, entry);
      if (statSync(target).isDirectory()) visit(target);
      else objects.push(...parseYamlDocuments(readFileSync(target, 'utf8')));
    }
    for (const generator of kustomization.configMapGenerator ?? []) {
      const data = configMaps.get(generator.name) ?? {};
      for (const envFile of generator.envs ?? [])
        Object.assign(data, parseEnv(readFileSync(path.resolve(directory, envFile), 'utf8')));
      for (const literal of generator.literals ?? []) {
        const at = literal.indexOf('=');
        data[literal.slice(0, at)] = literal.slice(at + 1);
      }
      configMaps.set(generator.name, data);
    }
  };
  visit(dir);
  return { objects, configMaps };
}

export function parseYamlDocuments(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(document.errors.map(String).join('\n'));
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}
