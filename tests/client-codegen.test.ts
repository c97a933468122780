import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The typed client is generated code committed to the repository: regenerate it in memory and
 * compare, so a changed operation or supergraph without `npm run codegen` fails here. The
 * acceptance operations are a copy of the shared contract, which must not drift either.
 */
const root = join(__dirname, '..');
const generatedPath = 'packages/client/src/generated/graphql.ts';
const sharedAcceptance = join(root, '..', 'shared', 'acceptance', 'operations.graphql');
const acceptanceCopy = join(root, 'schema', 'operations', 'acceptance.graphql');
const run = promisify(execFile);

/**
 * codegen's programmatic API, generate(config, false), runs in a child Node process:
 * @graphql-codegen/cli loads ESM-only yargs and Prettier imports its plugins dynamically, which
 * Node 20.19+ does natively and Jest's module system cannot. The child compiles codegen.ts with swc
 * (as the build does), generates in memory, formats like `npm run codegen` does, and prints JSON;
 * it writes nothing. With a shared acceptance file it also prints the copy that file should give.
 */
const inMemoryCodegen = `
const { transformFileSync } = require('@swc/core');
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');
const prettier = require('prettier');
const [, shared, copy] = process.argv;
const root = process.cwd();
const file = join(root, 'codegen.ts');
const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;
const compiled = new Module(file, module);
compiled.filename = file;
compiled.paths = Module._nodeModulePaths(root);
compiled._compile(transformFileSync(file, { ...swcrc, swcrc: false, sourceMaps: false }).code, file);
const { default: config, formatGenerated } = compiled.exports;
(async () => {
  const outputs = await require('@graphql-codegen/cli').generate({ ...config, cwd: root, silent: true }, false);
  const generated = await Promise.all(outputs.map(async (o) => ({ filename: o.filename, content: await formatGenerated(o.filename, o.content) })));
  let acceptance = null;
  if (shared) {
    const current = readFileSync(copy, 'utf8');
    const header = current.slice(0, current.indexOf('\\n\\n') + 2);
    const options = (await prettier.resolveConfig(copy)) ?? {};
    acceptance = { header, expected: await prettier.format(header + readFileSync(shared, 'utf8'), { ...options, filepath: copy }) };
  }
  process.stdout.write(JSON.stringify({ generated, acceptance }));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
`;

interface InMemory {
  generated: Array<{ filename: string; content: string }>;
  acceptance: { header: string; expected: string } | null;
}

/** The first line where two texts differ, to point at the stale spot without a 100 kB diff. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const b = expected.split('\n');
  const i = a.findIndex((line, n) => line !== b[n]);
  const line = i === -1 ? Math.min(a.length, b.length) : i;
  return `line ${line + 1}:\n  committed: ${JSON.stringify(a[line])}\n  expected:  ${JSON.stringify(b[line])}`;
}

describe('typed client codegen', () => {
  // The shared contract lives next to the repository on development machines; a clone elsewhere has only the copy.
  const hasShared = existsSync(sharedAcceptance);
  let result: InMemory;

  beforeAll(async () => {
    const args = ['-e', inMemoryCodegen, ...(hasShared ? [sharedAcceptance, acceptanceCopy] : [])];
    const { stdout } = await run(process.execPath, args, { cwd: root, maxBuffer: 64 << 20 }).catch(
      (err: { stderr: string; message: string }) => {
        throw new Error(`codegen failed (an operation that does not validate against the supergraph?):\n${err.stderr || err.message}`);
      },
    );
    result = JSON.parse(stdout) as InMemory;
  });

  it('packages/client/src/generated/graphql.ts is what npm run codegen generates now', () => {
    expect(result.generated.map((o) => o.filename)).toEqual([generatedPath]);
    const expected = result.generated[0]!.content;
    const committed = readFileSync(join(root, generatedPath), 'utf8');
    if (committed !== expected) {
      throw new Error(`${generatedPath} is stale: run npm run codegen and commit the result (${firstDifference(committed, expected)})`);
    }
  });

  (hasShared ? it : it.skip)(
    'schema/operations/acceptance.graphql is ../shared/acceptance/operations.graphql, Prettier-formatted under its header',
    () => {
      const copy = readFileSync(acceptanceCopy, 'utf8');
      expect(result.acceptance!.header).toMatch(/^# A copy of \.\.\/shared\/acceptance\/operations\.graphql/);
      if (copy !== result.acceptance!.expected) {
        throw new Error(
          `schema/operations/acceptance.graphql differs from ../shared/acceptance/operations.graphql: copy the shared file ` +
            `below the header, run prettier --write on it, then npm run codegen (${firstDifference(copy, result.acceptance!.expected)})`,
        );
      }
    },
  );
});
