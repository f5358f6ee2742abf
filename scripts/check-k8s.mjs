// Schema check of the Kubernetes manifests under deploy/k8s, offline: the JSON schemas are the ones compiled into
// the npm package `kubernetes-models` (Kubernetes OpenAPI, validated with ajv), not a download.
//
//   node scripts/check-k8s.mjs [--modules <dir with node_modules/kubernetes-models>] [deploy/k8s]
//
// .ci/run installs the pinned package into a scratch directory and passes it with --modules. Every document is
// validated against its kind's schema; kustomization.yaml must list every manifest and nothing missing; and a
// manifest broken on purpose must be refused, so the check cannot pass by validating nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';

const { values, positionals } = parseArgs({ options: { modules: { type: 'string' } }, allowPositionals: true });
const dir = resolve(positionals[0] ?? 'deploy/k8s');
const require = createRequire(join(resolve(values.modules ?? '.'), 'node_modules', 'noop.js'));

try {
  require.resolve('kubernetes-models/package.json');
} catch {
  process.stderr.write(
    'k8s manifests: the package kubernetes-models is not installed; e.g. npm install --no-save --prefix /tmp/k8s kubernetes-models@4.5.1, then --modules /tmp/k8s\n',
  );
  process.exit(2);
}

/** `apps/v1` + `Deployment` -> the model class of kubernetes-models. */
function modelOf(apiVersion, kind) {
  // Core kinds live under `v1/`, grouped ones under `<group>/<version>/`: both are the apiVersion as written.
  try {
    return require(`kubernetes-models/${apiVersion}/${kind}`)[kind];
  } catch (error) {
    if (error.code === 'MODULE_NOT_FOUND' && String(error.message).includes(`${kind}`)) return null;
    throw error;
  }
}

function check(doc, where) {
  const { apiVersion, kind } = doc ?? {};
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return [`${where}: no apiVersion/kind`];
  if (apiVersion.startsWith('kustomize.config.k8s.io/')) return [];
  const Model = modelOf(apiVersion, kind);
  if (!Model) return [`${where}: unknown kind ${apiVersion} ${kind}`];
  try {
    new Model(doc).validate();
    return [];
  } catch (error) {
    return [`${where} (${kind} ${doc.metadata?.name ?? '?'}): ${error.message}`];
  }
}

const problems = [];
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
let documents = 0;
for (const file of files) {
  const docs = parseAllDocuments(readFileSync(join(dir, file), 'utf8'));
  docs.forEach((d, i) => {
    if (d.errors.length > 0) problems.push(`${file}#${i}: YAML: ${d.errors[0].message}`);
    const doc = d.toJS();
    if (doc === null) return;
    documents++;
    problems.push(...check(doc, `${file}#${i}`));
  });
}
const kustomization = join(dir, 'kustomization.yaml');
if (existsSync(kustomization)) {
  const listed = parseAllDocuments(readFileSync(kustomization, 'utf8'))[0].toJS().resources ?? [];
  for (const r of listed) if (!existsSync(join(dir, r))) problems.push(`kustomization.yaml lists ${r}, which does not exist`);
  for (const f of files) if (f !== 'kustomization.yaml' && !listed.includes(f)) problems.push(`kustomization.yaml does not list ${f}`);
}

// The check must be able to fail: a Deployment whose replicas is a string and whose container lacks a name.
const broken = check(
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x' },
    spec: { replicas: 'two', selector: {}, template: { spec: { containers: [{ image: 'x' }] } } },
  },
  'self-test',
);
if (broken.length === 0) problems.push('self-test: a broken Deployment passed the schema check; the validator is not working');

if (documents === 0) problems.push(`${dir}: no manifests found`);
if (problems.length > 0) {
  process.stderr.write(`k8s manifests: ${problems.length} problem(s)\n  - ${problems.join('\n  - ')}\n`);
  process.exit(1);
}
process.stdout.write(`k8s manifests: ${documents} document(s) in ${files.length} file(s) valid (kubernetes-models schemas)\n`);
