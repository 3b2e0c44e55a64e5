// The validate bench's input: 10,000 resources (Deployments, Services and KubeRay RayServices) in 1,000
// files of ten documents, written the way renderers write them, every one valid against the upstream
// CRDs and the GPU-workload policy, so the figures measure validation, not error reporting.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RESOURCES = 10_000;
export const FILES = 1_000;
const DIGEST = `sha256:${'0'.repeat(64)}`;

const deployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: llm
  labels:
    app.kubernetes.io/name: ${name}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      serviceAccountName: model-reader
      containers:
      - name: proxy
        image: 123456789012.dkr.ecr.us-west-2.amazonaws.com/proxy@${DIGEST}
        ports:
        - containerPort: 8000
          name: http
        resources:
          limits:
            cpu: "2"
            memory: 4Gi
          requests:
            cpu: "1"
            memory: 2Gi
`;

const service = (name: string) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: llm
spec:
  selector:
    app: ${name}
  ports:
  - name: http
    port: 80
    targetPort: http
`;

/** `count` files of ten documents: per ten, four Deployments, four Services and two RayServices. */
export function manifestFiles(shared: string, count = FILES): { name: string; text: string }[] {
  const rayService = readFileSync(join(shared, 'reference/kuberay/ray-service.sample.yaml'), 'utf8').replaceAll('rayproject/ray:2.52.0', `rayproject/ray@${DIGEST}`);
  const files: { name: string; text: string }[] = [];
  for (let file = 0; file < count; file += 1) {
    const documents: string[] = [];
    for (let doc = 0; doc < 10; doc += 1) {
      const name = `m${file * 10 + doc}`;
      if (doc < 4) documents.push(deployment(name));
      else if (doc < 8) documents.push(service(name));
      else documents.push(rayService.replace('name: rayservice-sample', `name: ${name}`));
    }
    files.push({ name: `shard-${String(file % 20).padStart(2, '0')}/f${String(file).padStart(4, '0')}.yaml`, text: documents.join('\n---\n') });
  }
  return files;
}

/** Writes the shape into a fresh temp directory and returns it. */
export function writeShape(shared: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-validate-cli-'));
  for (const file of manifestFiles(shared)) {
    mkdirSync(join(dir, file.name, '..'), { recursive: true });
    writeFileSync(join(dir, file.name), file.text);
  }
  return dir;
}
