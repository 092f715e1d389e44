// Several eventday node processes on one PostgreSQL schema with one shared key folder, and nginx in front rendered from compose's template: kill -9 and restart per node, stop all.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { freePort, promValue, ROOT, sleep, startServer, type ServerExit, type ServerProcess } from '../reliability/lib.js';

/** The template compose.yaml mounts into the nginx image; here it is rendered for nodes on local ports. */
export const NGINX_TEMPLATE = path.join(ROOT, 'scripts', 'cluster', 'nginx.conf.template');

/** Debian's nginx; NGINX names another binary. */
const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';

/** Polls `check` until it answers true; throws naming `what` once `timeoutMs` has passed. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * What the nginx image's entrypoint does with NGINX_ENVSUBST_FILTER=EVENTDAY_: `${EVENTDAY_…}` is
 * replaced, nginx's own `$variables` are left alone. A name the template uses but `vars` lacks is an
 * error here (envsubst would leave an empty string and nginx would fail on it later, less clearly).
 */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\$\{(EVENTDAY_[A-Z0-9_]+)\}/gu, (_all, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`the nginx template uses \${${name}}, which is not set`);
    return value;
  });
}

/**
 * The main configuration around the rendered server block, everything under `dir`: nginx runs
 * unprivileged-style from a temp folder and never touches /etc/nginx, /var/log or /run.
 */
export function nginxMainConfig(dir: string): string {
  const at = (name: string) => path.join(dir, name);
  return [
    '# Rendered by scripts/cluster/lib.ts for a local cluster: everything nginx writes stays in this folder.',
    // Run as root (this workplace), workers would otherwise switch to nobody and lose the 0700 temp folder.
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    `pid ${at('nginx.pid')};`,
    `error_log ${at('error.log')} warn;`,
    'events { worker_connections 4096; }',
    'http {',
    '    access_log off;',
    `    client_body_temp_path ${at('client_body')};`,
    `    proxy_temp_path ${at('proxy')};`,
    `    fastcgi_temp_path ${at('fastcgi')};`,
    `    uwsgi_temp_path ${at('uwsgi')};`,
    `    scgi_temp_path ${at('scgi')};`,
    `    include ${at('eventday.conf')};`,
    '}',
    '',
  ].join('\n');
}

export interface ProxyProcess {
  /** The shell that runs nginx and stops it when our end of its standard input closes. */
  child: ChildProcess;
  port: number;
  base: string;
  dir: string;
  exited: Promise<ServerExit>;
  /** nginx's error log and its own output, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * nginx in front of `upstreams` (`host:port`), resolved once it accepts connections. The template
 * names three nodes (EVENTDAY_NODE_1..3); with fewer, the spare slots name the first node marked
 * `down` (never used), so round robin stays even. `nginx -t` runs first, so a broken template
 * fails here with nginx's own message.
 */
export async function startProxy(opts: { dir: string; upstreams: string[]; port?: number; template?: string }): Promise<ProxyProcess> {
  if (opts.upstreams.length === 0) throw new Error('startProxy: no upstream');
  const port = opts.port ?? (await freePort());
  mkdirSync(opts.dir, { recursive: true });
  const vars: Record<string, string> = { EVENTDAY_PROXY_LISTEN: `127.0.0.1:${port}` };
  if (opts.upstreams.length > 3) throw new Error('startProxy: the template has three upstream slots');
  for (let i = 1; i <= 3; i++) vars[`EVENTDAY_NODE_${i}`] = opts.upstreams[i - 1] ?? `${opts.upstreams[0]!} down`;
  writeFileSync(path.join(opts.dir, 'eventday.conf'), renderTemplate(readFileSync(opts.template ?? NGINX_TEMPLATE, 'utf8'), vars));
  const conf = path.join(opts.dir, 'nginx.conf');
  writeFileSync(conf, nginxMainConfig(opts.dir));
  const args = ['-p', opts.dir, '-c', conf, '-e', path.join(opts.dir, 'error.log')];
  await new Promise<void>((resolve, reject) => {
    const check = spawn(NGINX, [...args, '-t', '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    check.stdout.on('data', (c: Buffer) => (text += c.toString()));
    check.stderr.on('data', (c: Buffer) => (text += c.toString()));
    check.once('error', (err) => reject(new Error(`cannot run ${NGINX} (install Debian's nginx, or set NGINX): ${err.message}`)));
    check.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`nginx -t failed:\n${text}`))));
  });
  // nginx outlives a parent that dies without stopping it (a test killed at its timeout) and keeps
  // its port: a shell in between holds our end of a pipe and stops nginx (SIGTERM) when the pipe
  // closes, which the kernel does however this process ends. The async list reads fd 3 because
  // a non-interactive shell gives async lists /dev/null as their standard input.
  const watch = 'exec 3<&0; "$0" "$@" </dev/null & pid=$!; { read -r _ <&3; kill -TERM "$pid" 2>/dev/null; } & wait "$pid"';
  const child = spawn('/bin/sh', ['-c', watch, NGINX, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => lines.push(chunk.toString());
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<ServerExit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })));
  let gone = false;
  void exited.then(() => (gone = true));
  const output = (): string => {
    let log = '';
    try {
      log = readFileSync(path.join(opts.dir, 'error.log'), 'utf8');
    } catch {
      // No error log yet: nginx has written nothing.
    }
    return `${lines.join('')}${log}`.split('\n').slice(-40).join('\n');
  };
  const proxy: ProxyProcess = {
    child,
    port,
    base: `http://127.0.0.1:${port}`,
    dir: opts.dir,
    exited,
    output,
    stop: async () => {
      // Closing the pipe makes the shell send SIGTERM, nginx's fast shutdown: open connections (live sockets) are cut, workers exit.
      child.stdin.end();
      await exited;
    },
  };
  try {
    await waitFor('nginx to listen', async () => {
      if (gone) throw new Error(`nginx exited before it listened:\n${output()}`);
      return tcpOpen(port);
    }, 10_000);
  } catch (err) {
    await proxy.stop();
    throw err;
  }
  return proxy;
}

/** A schema of its own on `url` for one cluster run, and how to drop it (nodes migrate it on first start). */
export async function freshSchema(url: string, prefix = 'cluster'): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE SCHEMA ${schema}`);
  return { schema, drop: () => run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}

export interface ClusterOptions {
  /** A postgres:// URL the nodes share. */
  url: string;
  schema: string;
  nodes: number;
  adminToken: string;
  /** A temp folder: the shared key folder and nginx's files go under it. */
  dir: string;
  /** nginx in front (default true). */
  proxy?: boolean;
  /** Extra environment for every node (LOG_LEVEL, EVENTDAY_PG_POOL, …). */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

export interface ClusterNode {
  /** 0-based. */
  index: number;
  port: number;
  base: string;
  /** The running process, or null while the node is down. */
  process: ServerProcess | null;
}

/** Nodes on one schema, each on a port of its own that survives restarts (nginx's upstreams are fixed). */
export class Cluster {
  private constructor(
    readonly options: ClusterOptions,
    readonly nodes: ClusterNode[],
    readonly keyDir: string,
  ) {}

  /** nginx in front of every node, unless the cluster was started without it. */
  proxy: ProxyProcess | null = null;

  static async start(options: ClusterOptions): Promise<Cluster> {
    const keyDir = path.join(options.dir, 'keys');
    const ports: number[] = [];
    for (let i = 0; i < options.nodes; i++) ports.push(await freePort());
    const nodes: ClusterNode[] = ports.map((port, index) => ({ index, port, base: `http://127.0.0.1:${port}`, process: null }));
    const cluster = new Cluster(options, nodes, keyDir);
    try {
      // All at once on the empty schema, as `docker compose up` starts them: one migrates and creates the bootstrap admin.
      await Promise.all(nodes.map((node) => cluster.restart(node.index)));
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    if (options.proxy === false) return cluster;
    try {
      cluster.proxy = await startProxy({ dir: path.join(options.dir, 'nginx'), upstreams: ports.map((p) => `127.0.0.1:${p}`) });
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  node(index: number): ClusterNode {
    const node = this.nodes[index];
    if (!node) throw new Error(`no node ${index}`);
    return node;
  }

  /** The nodes running now. */
  alive(): ClusterNode[] {
    return this.nodes.filter((n) => n.process !== null);
  }

  /** Starts (or starts again) node `index` on its port; resolves once its /readyz answers 200. */
  async restart(index: number): Promise<ServerProcess> {
    const node = this.node(index);
    if (node.process) throw new Error(`node ${index} is running`);
    const server = await startServer({
      dbFile: this.options.url,
      adminToken: this.options.adminToken,
      port: node.port,
      readyTimeoutMs: this.options.readyTimeoutMs ?? 60_000,
      env: {
        EVENTDAY_PG_SCHEMA: this.options.schema,
        EVENTDAY_KEY_DIR: this.keyDir,
        // Behind the local nginx: its X-Forwarded-For is believed, as compose's proxy is.
        EVENTDAY_TRUSTED_PROXIES: '127.0.0.1',
        // A stop is a test's teardown or a bench between phases: nobody balances load away first.
        EVENTDAY_DRAIN_MS: '0',
        ...this.options.env,
      },
    });
    node.process = server;
    void server.exited.then(() => {
      if (node.process === server) node.process = null;
    });
    return server;
  }

  /** kill -9: no drain, no close, open transactions and sockets cut; resolves once the process is gone. */
  async kill(index: number): Promise<ServerExit> {
    const node = this.node(index);
    const server = node.process;
    if (!server) throw new Error(`node ${index} is not running`);
    server.child.kill('SIGKILL');
    const exit = await server.exited;
    node.process = null;
    return exit;
  }

  /** `eventday_leader` of every running node (null for a node down or not answering). */
  async leaders(): Promise<(number | null)[]> {
    return Promise.all(
      this.nodes.map(async (node) => {
        if (!node.process) return null;
        const text = await getText(`${node.base}/metrics`, this.options.adminToken).catch(() => null);
        return text === null ? null : promValue(text, 'eventday_leader');
      }),
    );
  }

  /** The index of the one node reporting `eventday_leader 1`, once exactly one does (other nodes 0). */
  async waitForLeader(timeoutMs = 15_000, except: number | null = null): Promise<number> {
    let leader = -1;
    await waitFor(`one node to report eventday_leader 1${except === null ? '' : ` other than node ${except}`}`, async () => {
      const values = await this.leaders();
      const ones = values.flatMap((v, i) => (v === 1 ? [i] : []));
      if (ones.length !== 1 || ones[0] === except) return false;
      leader = ones[0]!;
      return true;
    }, timeoutMs, 100);
    return leader;
  }

  /** SIGTERM to every node (SIGKILL past `graceMs`) and nginx; never throws. */
  async stop(graceMs = 15_000): Promise<void> {
    const stopping = this.nodes.map(async (node) => {
      const server = node.process;
      if (!server) return;
      server.child.kill('SIGTERM');
      const timer = setTimeout(() => server.child.kill('SIGKILL'), graceMs);
      await server.exited;
      clearTimeout(timer);
      node.process = null;
    });
    await Promise.all([...stopping, this.proxy?.stop()]);
  }
}

/** GET with a bearer token on a connection of its own; rejects on a status other than 200. */
export function getText(url: string, token: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
