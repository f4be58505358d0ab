// Start and stop a real `lifeguard serve` child process for the HTTP benchmarks
// (bench:serve, bench:events): port 0, its own data directory, the admin key from the caller.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Start the server and resolve once `/readyz` answers 200.
 * @param {{ bin: string, dir: string, configFile: string, adminKey: string }} opts
 * @returns {Promise<{ child: import('node:child_process').ChildProcess, url: string, readyMs: number }>}
 */
export function startServer({ bin, dir, configFile, adminKey }) {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      // BENCH_SERVER_CPU_PROF=<dir>: write a V8 CPU profile of the server there (node --cpu-prof).
      ...(process.env.BENCH_SERVER_CPU_PROF
        ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_SERVER_CPU_PROF]
        : []),
      bin,
      'serve',
      '--port',
      '0',
      '--data-dir',
      join(dir, 'data'),
      '--config',
      configFile,
    ],
    {
      env: { ...process.env, LIFEGUARD_ADMIN_KEY: adminKey, DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  let url;
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
    child.stdout.on('data', async (c) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (!m || url) return;
      url = m[1];
      for (;;) {
        const r = await fetch(`${url}/readyz`).catch(() => undefined);
        if (r?.ok) break;
        await new Promise((s) => setTimeout(s, 20));
      }
      resolve({ child, url, readyMs: performance.now() - t0 });
    });
  });
}

/** Stop the server with SIGTERM (it drains in-flight requests) and wait for it to exit. */
export async function stopServer(child) {
  child.removeAllListeners('exit');
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
