// A throwaway Dovecot IMAP server for tests: its own configuration in a temporary folder,
// plain-text IMAP on 127.0.0.1 at a free port, users from a passwd file, Maildir mail.
//
//   const imap = await startDovecot({ users: { support: 'secret' } });
//   ... new ImapFlow({ host: imap.host, port: imap.port, secure: false, auth: { user: 'support', pass: 'secret' } })
//   await imap.stop();
//
// Three things Dovecot needs when started like this (see /work/shared/notes/test-servers.md):
// its login process refuses root (default_login_user = dovenull), mail must belong to a non-root
// uid (the dovecot user's, with first_valid_uid = 1), and it daemonises with its children
// holding the starting process's stdio (so stdio is ignored here). It is stopped with the pid in
// base_dir/master.pid.
import { execFile, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export interface Dovecot {
  host: string;
  port: number;
  /** The temporary folder: configuration, passwd file, homes, dovecot.log. */
  dir: string;
  /** Adds (or changes the password of) a user; resolves once a login with it succeeds. */
  setUser(name: string, password: string): Promise<void>;
  stop(): Promise<void>;
}

const BINARIES = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'];

export function dovecotBinary(): string | null {
  return BINARIES.find((b) => existsSync(b)) ?? null;
}

/** A port nothing listens on at the moment (a race with another process remains possible; start retries). */
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

/** The uid/gid the mail belongs to: the dovecot user's when running as root, else our own. */
async function mailOwner(): Promise<{ uid: number; gid: number; root: boolean }> {
  if (process.getuid?.() !== 0) return { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000, root: false };
  const run = promisify(execFile);
  const uid = Number((await run('id', ['-u', 'dovecot'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'dovecot'])).stdout.trim());
  return { uid, gid, root: true };
}

function config(dir: string, port: number, root: boolean): string {
  const user = os.userInfo().username;
  return `
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = ${root ? 'dovenull' : user}
default_internal_user = ${root ? 'dovecot' : user}
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/passwd
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`;
}

async function waitFor(check: () => Promise<boolean> | boolean, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`dovecot: timed out waiting for ${what}`);
}

const answers = (port: number) => new Promise<boolean>((resolve) => {
  const socket = net.connect(port, '127.0.0.1');
  socket.once('data', (d) => { socket.destroy(); resolve(d.toString().startsWith('* OK')); });
  socket.once('error', () => resolve(false));
});

/** Whether an IMAP LOGIN with these credentials succeeds (one short plain-text session). */
const logsIn = (port: number, user: string, pass: string) => new Promise<boolean>((resolve) => {
  const socket = net.connect(port, '127.0.0.1');
  let greeted = false;
  let answer = '';
  socket.setTimeout(2000, () => { socket.destroy(); resolve(false); });
  socket.on('data', (d) => {
    if (!greeted) {
      greeted = true;
      socket.write(`a LOGIN "${user}" "${pass}"\r\n`);
      return;
    }
    answer += d.toString();
    const line = answer.split('\r\n').find((l) => l.startsWith('a '));
    if (!line) return;
    socket.end('b LOGOUT\r\n');
    resolve(line.startsWith('a OK'));
  });
  socket.once('error', () => resolve(false));
});

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

async function launch(bin: string, conf: string): Promise<void> {
  const child = spawn(bin, ['-c', conf], { stdio: 'ignore' });
  const code = await new Promise<number | null>((resolve) => { child.once('exit', resolve); child.once('error', () => resolve(-1)); });
  if (code !== 0) throw new Error(`dovecot exited with ${code}`);
}

/** Starts Dovecot with `users` (name → password). Retries on another port if the chosen one was taken meanwhile. */
export async function startDovecot(opts: { users?: Record<string, string> } = {}): Promise<Dovecot> {
  const bin = dovecotBinary();
  if (!bin) throw new Error('dovecot is not installed (apt-get install dovecot-imapd)');
  const owner = await mailOwner();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-dovecot-'));
  await fs.chmod(dir, 0o755); // the login and auth processes run as other users and must reach base_dir
  const users = new Map(Object.entries(opts.users ?? {}));
  const writePasswd = async () => {
    const lines = [...users].map(([name, pass]) => `${name}:{PLAIN}${pass}:${owner.uid}:${owner.gid}::${dir}/home/${name}::`);
    // Renamed into place: Dovecot's auth process must never read a half-written file.
    await fs.writeFile(`${dir}/passwd.tmp`, `${lines.join('\n')}\n`, { mode: 0o644 });
    await fs.rename(`${dir}/passwd.tmp`, `${dir}/passwd`);
  };
  const makeHome = async (name: string) => {
    await fs.mkdir(`${dir}/home/${name}`, { recursive: true });
    if (owner.root) await fs.chown(`${dir}/home/${name}`, owner.uid, owner.gid);
  };
  await writePasswd();
  for (const name of users.keys()) await makeHome(name);
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    await fs.writeFile(`${dir}/dovecot.conf`, config(dir, port, owner.root));
    try {
      await launch(bin, `${dir}/dovecot.conf`);
      await waitFor(() => answers(port), `port ${port}`);
      break;
    } catch (err) {
      await stopAt(dir).catch(() => {});
      if (attempt >= 3) throw new Error(`${(err as Error).message}; see ${dir}/dovecot.log`);
    }
  }
  return {
    host: '127.0.0.1', port, dir,
    async setUser(name, password) {
      users.set(name, password);
      await makeHome(name);
      await writePasswd();
      // Dovecot looks at the passwd file at most once a second, so a user added just after
      // another login is unknown for up to a second: wait until the server knows them.
      await waitFor(() => logsIn(port, name, password), `${name} to be able to log in`);
    },
    async stop() { await stopAt(dir); await fs.rm(dir, { recursive: true, force: true }); },
  };
}

async function stopAt(dir: string): Promise<void> {
  const pid = Number(await fs.readFile(`${dir}/run/master.pid`, 'utf8').catch(() => ''));
  if (!pid || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  await waitFor(() => !alive(pid), `pid ${pid} to exit`);
}
