import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './webhook-server';

// Tests run from the project root (jest rootDir); ES modules have no __dirname.
const MAIN = join(process.cwd(), 'dist', 'main.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The built service (`dist/main.js`, made by `npm run build`, which `npm test` runs first) as a
 * separate process, so a test can SIGKILL it like a crash and start it again on the same database.
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  output = '';
  readonly url: string;

  constructor(
    private readonly env: Record<string, string>,
    readonly port: number,
    /** Extra Node.js options for the service (benchmarks pass `--cpu-prof`). */
    private readonly nodeArgs: string[] = [],
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** The running service's process id (benchmarks read its CPU time and memory from /proc). */
  get pid(): number {
    if (!this.child?.pid) throw new Error('the service is not running');
    return this.child.pid;
  }

  async start(): Promise<void> {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
    // Only the database this test chose: never the runner's own DATABASE_URL or DATA_DIR.
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => name !== 'DATABASE_URL' && name !== 'DATA_DIR'),
    );
    // HOST is given (127.0.0.1) unless the test passes its own; HOST '' leaves it unset (protected mode).
    this.child = spawn(process.execPath, [...this.nodeArgs, MAIN], {
      env: { ...inherited, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    await waitFor(
      async () => {
        if (this.child?.exitCode !== null) throw new Error(`service exited early:\n${this.output}`);
        return fetch(`${this.url}/health`).then(
          (response) => response.ok,
          () => false,
        );
      },
      30_000,
      'the service to answer /health',
    );
  }

  /**
   * Sends `signal` and waits for the process to end; by default SIGKILL, like a crash (no
   * shutdown hook runs). Resolves with its exit code (null when a signal ended it).
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    const code = await exited;
    this.child = null;
    return code;
  }

  /** Sends a signal without waiting (a second Ctrl-C while the first one's shutdown runs). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }
}
