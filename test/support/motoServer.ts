/**
 * moto_server (moto 5, from the machine image's Python) as the AWS emulator of the emulator tier (test/aws/).
 * Started on 127.0.0.1 on a free port, once per test file; `reset()` empties every service.
 *
 * Where moto is absent the tier skips, and says so in one line (`MOTO_MISSING`); nothing else skips.
 * What moto does not do (STACK.md): S3 301s for buckets in another region and IAM 403s — see s3Model.ts.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';

/** Why the emulator tier cannot run here, or undefined when moto_server is on PATH. */
export const MOTO_MISSING: string | undefined = (() => {
  const found = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' });
  return found.status === 0 && found.stdout.trim() !== ''
    ? undefined
    : 'emulator tier SKIPPED: moto_server is not on PATH (moto 5 in Python: `python3 -m pip show moto`)';
})();
if (MOTO_MISSING) console.warn(MOTO_MISSING);

/** A running moto_server. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Environment pointing every AWS SDK client at moto (dummy credentials; S3 goes path-style to an IP endpoint). */
  env: Record<string, string>;
  /** Forgets every resource of every service (POST /moto-api/reset). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}: ${output()}`);
    const up = await fetch(`${endpoint}/moto-api/`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${output()}`);
}

/**
 * Starts moto_server and configures Batch not to run containers (jobs succeed at once).
 *
 * @example
 * const moto = await startMoto();
 * const s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true, region: 'eu-west-1' });
 */
export async function startMoto(): Promise<MotoServer> {
  if (MOTO_MISSING) throw new Error(MOTO_MISSING);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const configure = async () => {
    const response = await fetch(`${endpoint}/moto-api/config`, {
      method: 'POST',
      body: JSON.stringify({ batch: { use_docker: false } }),
    });
    if (!response.ok) throw new Error(`moto /moto-api/config answered ${response.status}`);
  };
  try {
    await waitUntilUp(endpoint, child, () => output);
    await configure();
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    },
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto /moto-api/reset answered ${response.status}`);
      await configure();
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
