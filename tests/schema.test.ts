import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { serverMain } from './support/processes';

const run = promisify(execFile);

describe('schema/', () => {
  it('holds exactly what the subgraphs print, and the supergraph composes', async () => {
    // compose --check prints each subgraph in its own process, composes, and compares with schema/.
    const { stdout } = await run(process.execPath, [serverMain, 'compose', '--check']).catch((err: { stdout: string; stderr: string }) => {
      throw new Error(`${err.stderr || err.stdout}`);
    });
    expect(stdout).toContain('schema/ is up to date');
  });
});
