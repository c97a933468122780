import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AcknowledgeAlertDocument,
  CreateAlertRuleDocument,
  EvaluateAlertRulesDocument,
  ModelDetailsDocument,
  RunListDocument,
  createClient,
  type ModelplaneClient,
} from '@modelplane/client';
import { parseCsvTable } from '@modelplane/cli';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { logisticModel } from '../support/onnx-models';
import { startPlatform, TEST_ADMIN_KEY, type Platform } from '../support/processes';

/**
 * The built `modelplane` CLI (packages/cli/dist/main.js, as `npx modelplane` runs it) as a child
 * process against a started platform: push an ONNX file, promote it, predict a CSV, roll back,
 * retrain and list runs, follow an alert. What the CLI did is checked through the typed client,
 * and scores against the logistic function computed here.
 */
const cliMain = join(__dirname, '..', '..', 'packages', 'cli', 'dist', 'main.js');
const MODEL = 'cli-churn';
const v1 = logisticModel([0.8, -0.5, 0.3], -0.1);
const v2 = logisticModel([-0.4, 0.9, -0.2], 0.25);
const PLANS = ['basic', 'pro', 'enterprise'];

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('modelplane CLI against the platform', () => {
  let db: TestDatabase;
  let platform: Platform;
  let client: ModelplaneClient;
  let dir: string;
  const running = new Set<ChildProcess>();

  /** Runs the CLI; `onStderr` sees stderr as it arrives (for follow commands). */
  function modelplane(
    args: string[],
    options: { onStderr?: (text: string, child: ChildProcess) => void; timeoutMs?: number; env?: Record<string, string> } = {},
  ) {
    return new Promise<CliResult>((resolve, reject) => {
      const child = spawn(process.execPath, [cliMain, ...args], {
        cwd: dir,
        env: { ...process.env, MODELPLANE_URL: platform.url, MODELPLANE_API_KEY: TEST_ADMIN_KEY, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      running.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        options.onStderr?.(stderr, child);
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`modelplane ${args.join(' ')} did not finish in time:\n${stdout}\n${stderr}`));
      }, options.timeoutMs ?? 15000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        running.delete(child);
        resolve({ code, stdout, stderr });
      });
    });
  }

  const ok = async (args: string[]) => {
    const res = await modelplane(args);
    if (res.code !== 0) throw new Error(`modelplane ${args.join(' ')} exited ${res.code}:\n${res.stderr}${res.stdout}`);
    return res;
  };

  beforeAll(async () => {
    if (!existsSync(cliMain)) throw new Error(`${cliMain} is missing: run npm run build (packages/cli must be a workspace)`);
    db = await createTestDatabase('e2e_cli');
    platform = await startPlatform(db.url, undefined, {
      BOOTSTRAP_DEMO_MODEL: 'true',
      PREDICTION_LOG_FLUSH_MS: '50',
      MONITORING_POLL_MS: '100',
      // Alert rules are evaluated on demand below, not by the schedule.
      MONITORING_EVALUATION_INTERVAL_MS: '600000',
    });
    client = createClient({ endpoint: platform.url, apiKey: TEST_ADMIN_KEY });
    dir = await mkdtemp(join(tmpdir(), 'modelplane-cli-'));
    await writeFile(join(dir, 'v1.onnx'), v1.bytes);
    await writeFile(join(dir, 'v2.onnx'), v2.bytes);
  });

  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await client?.close();
    await platform?.stop();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('models push registers the model from flags and uploads versions; alias set promotes one', async () => {
    const first = await ok([
      'models',
      'push',
      'v1.onnx',
      '--model',
      MODEL,
      '--register',
      '--feature',
      'tenure',
      '--feature',
      'spend:NUMERIC',
      '--categorical',
      `plan=${PLANS.join(',')}`,
      '--labels',
      'stay,churn',
    ]);
    expect(first.stdout).toBe(
      `Registered model ${MODEL} (BINARY_CLASSIFICATION, 3 features)\nPushed ${MODEL} v1: sha256 ${v1.digest.slice(0, 12)}…, ${v1.bytes.length} B, CANDIDATE\n`,
    );
    const second = await ok(['models', 'push', 'v2.onnx', '--model', MODEL, '--description', 'second try', '--json']);
    expect(JSON.parse(second.stdout)).toMatchObject({ registered: false, version: { version: 2, digest: v2.digest, status: 'CANDIDATE' } });

    expect((await ok(['alias', 'set', 'production', '1', '--model', MODEL])).stdout).toBe(`${MODEL}: production → v1 (PRODUCTION)\n`);
    const { model } = await client.request(ModelDetailsDocument, { name: MODEL, events: 10 });
    expect(model?.features.map((f) => [f.name, f.type])).toEqual([
      ['tenure', 'NUMERIC'],
      ['spend', 'NUMERIC'],
      ['plan', 'CATEGORICAL'],
    ]);
    expect(model?.labels).toEqual(['stay', 'churn']);
    expect(model?.versions.map((v) => [v.version, v.status, v.description])).toEqual([
      [1, 'PRODUCTION', null],
      [2, 'CANDIDATE', 'second try'],
    ]);

    const shown = await ok(['models', 'show', MODEL]);
    expect(shown.stdout).toMatch(new RegExp(`^${MODEL}  BINARY_CLASSIFICATION\\n  production: v1\\n`));
    expect(shown.stdout).toMatch(/3 {2}plan {4}CATEGORICAL {2}basic, pro, enterprise/);
  });

  it('predict scores a CSV in batches; the scores are the logistic function of the encoded rows', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({
      id: `c${i}`,
      tenure: (i % 7) * 0.75 - 1,
      spend: ((i * 37) % 11) / 4 - 1.2,
      plan: PLANS[i % 3]!,
    }));
    await writeFile(
      join(dir, 'rows.csv'),
      `id,tenure,spend,plan\n${rows.map((r) => `${r.id},${r.tenure},${r.spend},${r.plan}`).join('\n')}\n`,
    );
    const res = await ok([
      'predict',
      '--model',
      MODEL,
      '--input',
      'rows.csv',
      '--output',
      'scored.csv',
      '--batch-size',
      '10',
      '--progress',
    ]);
    expect(res.stdout).toBe(`Predicted 25 rows with ${MODEL} v1 → scored.csv\n`);
    expect(res.stderr).toContain(`predict ${MODEL} [========================] 100% 25/25 rows`);
    expect(res.stderr).toContain('not sent to the model (kept in the output): id');

    const scored = parseCsvTable(await readFile(join(dir, 'scored.csv'), 'utf8'));
    expect(scored.header).toEqual([
      'id',
      'tenure',
      'spend',
      'plan',
      'prediction_id',
      'predicted_label',
      'predicted_score',
      'model_version',
      'probability_stay',
      'probability_churn',
    ]);
    expect(scored.rows).toHaveLength(rows.length);
    scored.rows.forEach(({ values }, i) => {
      const row = rows[i]!;
      const p = v1.probability([row.tenure, row.spend, PLANS.indexOf(row.plan)]);
      expect(values.id).toBe(row.id);
      expect(Number(values.predicted_score)).toBeCloseTo(p, 12);
      expect(Number(values.probability_stay)).toBeCloseTo(1 - p, 12);
      expect(values.predicted_label).toBe(p >= 0.5 ? 'churn' : 'stay');
      expect(values.model_version).toBe('1');
    });

    // A row the model refuses: exit 1, the server's message and code, the line it came from.
    await writeFile(join(dir, 'bad.csv'), 'tenure,spend,plan\n1,2,platinum\n');
    const bad = await modelplane(['predict', '--model', MODEL, '--input', 'bad.csv']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: line 2 of bad\.csv: .*platinum.* \(BAD_USER_INPUT\)\n$/);
  });

  it('rollback moves production back, recording the reason', async () => {
    await ok(['alias', 'set', 'production', 'v2', '--model', MODEL]);
    const res = await ok(['rollback', '--model', MODEL, '--reason', 'v2 scores look wrong']);
    expect(res.stdout).toBe(`${MODEL}: production rolled back from v2 to v1\n`);
    const { model } = await client.request(ModelDetailsDocument, { name: MODEL, events: 1 });
    expect(model?.productionVersion?.version).toBe(1);
    expect(model?.events[0]).toMatchObject({ kind: 'ROLLED_BACK', fromVersion: 2, toVersion: 1, reason: 'v2 scores look wrong' });
  });

  it('retrain --follow waits for the run; runs list and runs compare show it', async () => {
    // The demo model trains on first start; its run is the baseline to compare with.
    const deadline = Date.now() + 20000;
    let runs = (await client.request(RunListDocument, { model: 'seattle-rain', first: 5 })).runs;
    while (!runs.some((r) => r.status === 'SUCCEEDED')) {
      if (Date.now() > deadline) throw new Error(`the demo model did not train: ${JSON.stringify(runs)}`);
      await new Promise((r) => setTimeout(r, 200));
      runs = (await client.request(RunListDocument, { model: 'seattle-rain', first: 5 })).runs;
    }
    const retrained = await modelplane(['retrain', '--model', 'seattle-rain', '--follow', '--reason', 'from the CLI', '--progress'], {
      timeoutMs: 30000,
    });
    expect(retrained.code).toBe(0);
    const id = /^Run (\S+) of seattle-rain: SUCCEEDED$/m.exec(retrained.stdout)?.[1];
    expect(id).toBeDefined();
    expect(retrained.stdout).toMatch(/^ {2}trigger: MANUAL \(from the CLI\)$/m);
    expect(retrained.stderr).toMatch(/run \S+ \[========================\] 100% .* SUCCEEDED/);

    const listed = await ok(['runs', 'list', '--model', 'seattle-rain']);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID +STATUS +TRIGGER +CREATED +DURATION +VERSION +METRICS$/);
    expect(lines[1]).toMatch(new RegExp(`^${id} +SUCCEEDED +MANUAL .* roc_auc=0\\.\\d+`));
    expect(lines).toHaveLength(3);

    const compared = await ok(['runs', 'compare', id!, runs[0]!.id]);
    expect(compared.stdout).toMatch(/^roc_auc +0\.\d+/m);
    expect((await ok(['runs', 'list', '--model', MODEL])).stdout).toBe(
      `No runs of ${MODEL} yet (start one with: modelplane retrain --model ${MODEL} --follow)\n`,
    );
  });

  it('alerts --follow --count 1 prints the alert that fires and exits', async () => {
    const rule = await client.request(CreateAlertRuleDocument, { input: { model: MODEL, kind: 'LATENCY', threshold: 0.0001 } });
    expect(rule.createAlertRule.kind).toBe('LATENCY');
    let following!: () => void;
    const subscribed = new Promise<void>((resolve) => (following = resolve));
    const follow = modelplane(['alerts', '--model', MODEL, '--follow', '--count', '1'], {
      onStderr: (text) => text.includes(`Following alerts of ${MODEL}`) && following(),
      timeoutMs: 30000,
    });
    await subscribed;
    // graphql-ws does not acknowledge a subscription: give the gateway a moment to subscribe upstream.
    await new Promise((r) => setTimeout(r, 1000));

    // The predictions above reach monitoring through the prediction log within a moment.
    const deadline = Date.now() + 15000;
    let alert: { id: string; kind: string; status: string } | undefined;
    while (!alert) {
      const { evaluateAlertRules } = await client.request(EvaluateAlertRulesDocument, { model: MODEL });
      alert = evaluateAlertRules.find((a) => a.kind === 'LATENCY');
      if (!alert && Date.now() > deadline) throw new Error('the LATENCY rule did not fire');
      if (!alert) await new Promise((r) => setTimeout(r, 200));
    }
    expect(alert.status).toBe('FIRING');
    // Should the event have raced the subscription, acknowledging sends the same alert again.
    const ack = setTimeout(() => void client.request(AcknowledgeAlertDocument, { id: alert!.id }).catch(() => undefined), 5000);
    const res = await follow.finally(() => clearTimeout(ack));
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ {2}(FIRING|ACKNOWLEDGED) +WARNING +LATENCY +${MODEL} {2}p95 latency`),
    );
    expect(res.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('keys create, list and revoke; the new key works with its role, no key is UNAUTHENTICATED', async () => {
    const created = await ok(['keys', 'create', '--name', 'cli-viewer', '--role', 'viewer', '--json']);
    const { key, apiKey } = JSON.parse(created.stdout) as { key: string; apiKey: { id: string; keyId: string; role: string } };
    expect(key).toMatch(new RegExp(`^mp_${apiKey.keyId}_[0-9A-Za-z]{43}$`));
    expect(apiKey.role).toBe('VIEWER');
    const asViewer = { env: { MODELPLANE_API_KEY: key } };
    expect((await modelplane(['models', 'list'], asViewer)).code).toBe(0);
    const forbidden = await modelplane(['rollback', '--model', MODEL], asViewer);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(/\(FORBIDDEN\)\nhint: the API key's role does not allow this\n$/);
    const anonymous = await modelplane(['models', 'list'], { env: { MODELPLANE_API_KEY: '' } });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/\(UNAUTHENTICATED\)\nhint: pass an API key/);
    const listed = await ok(['keys', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`${apiKey.keyId} +cli-viewer +viewer .* active`));
    expect(listed.stdout).not.toContain(key);
    const revoked = await ok(['keys', 'revoke', apiKey.keyId]);
    expect(revoked.stdout).toContain(`Revoked API key ${apiKey.keyId} "cli-viewer"`);
    expect((await ok(['keys', 'list'])).stdout).toMatch(new RegExp(`${apiKey.keyId} .* revoked `));
  });

  it('errors: exit 1 with the server message and code, exit 2 for usage', async () => {
    const missing = await modelplane(['rollback', '--model', 'ghost']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .*ghost.* \(NOT_FOUND\)\n$/);
    const usage = await modelplane(['predict', '--model', MODEL]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^error: --input is required\nusage: modelplane predict/);
    const json = await modelplane(['models', 'show', 'ghost', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toEqual({
      error: { message: 'model "ghost" not found (see modelplane models list)', code: 'NOT_FOUND' },
    });
    const drift = await ok(['drift', '--model', MODEL]);
    expect(drift.stdout).toMatch(new RegExp(`^Drift of ${MODEL} v1: `));
  });
});
