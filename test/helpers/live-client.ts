import WebSocket from 'ws';
import { SESSION_COOKIE } from '../../core/auth/sessions.ts';

export interface LiveMessage { id?: number | null; type?: string; channel?: string; payload?: any; replay?: boolean; [k: string]: unknown }

export interface LiveClient {
  messages: LiveMessage[];
  send(message: object): void;
  /** Resolves with the first message (already received or yet to come) that matches. */
  waitFor(match: (m: LiveMessage) => boolean, timeoutMs?: number): Promise<LiveMessage>;
  /** Resolves if no matching message arrives within the time. */
  expectNone(match: (m: LiveMessage) => boolean, ms?: number): Promise<boolean>;
  close(): Promise<void>;
}

/** A browser's websocket, as a test sees it: `address` is the app's listening URL. */
export async function liveClient(address: string, sessionToken: string, query = ''): Promise<LiveClient> {
  const socket = new WebSocket(`${address.replace(/^http/, 'ws')}/ws${query}`, { headers: { cookie: `${SESSION_COOKIE}=${sessionToken}` } });
  const messages: LiveMessage[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (raw) => { messages.push(JSON.parse(raw.toString())); for (const w of waiters) w(); });
  await new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); });
  const waitFor = (match: (m: LiveMessage) => boolean, timeoutMs = 2000) => new Promise<LiveMessage>((resolve, reject) => {
    const check = () => {
      const found = messages.find(match);
      if (!found) return;
      waiters.delete(check);
      clearTimeout(timer);
      resolve(found);
    };
    const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`no matching live message in ${timeoutMs} ms; got ${JSON.stringify(messages).slice(0, 500)}`)); }, timeoutMs);
    waiters.add(check);
    check();
  });
  const closed = new Promise<never>((_, reject) => socket.once('close', (code, reason) => reject(new Error(`closed ${code} ${reason.toString()}`))));
  await Promise.race([waitFor((m) => m.type === 'hello'), closed]);
  closed.catch(() => {});
  return {
    messages,
    send: (message) => socket.send(JSON.stringify(message)),
    waitFor,
    expectNone: async (match, ms = 600) => {
      await new Promise((r) => setTimeout(r, ms));
      return !messages.some(match);
    },
    close: () => new Promise<void>((resolve) => {
      if (socket.readyState === WebSocket.CLOSED) return resolve();
      socket.once('close', () => resolve());
      socket.close();
    }),
  };
}
