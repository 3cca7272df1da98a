import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from '@fastify/websocket';
import type { Core } from '../core.ts';
import { LiveConnection } from './live-connection.ts';
import type { LiveHub } from './live-hub.ts';
import type { Presence, PresenceState } from './presence.ts';

/** A reconnecting browser that missed more than this reloads instead of replaying. */
const CATCH_UP_LIMIT = 500;

type ClientMessage =
  | { type: 'watch-topic'; topicId: number }
  | { type: 'unwatch-topic'; topicId: number }
  | { type: 'watch-lists'; on: boolean }
  | { type: 'presence'; topicId: number; state: PresenceState };

/**
 * `GET /ws?since=ID&topic=ID&lists=1`: one websocket per signed-in browser. It starts watching
 * the topic (or the topic lists) the page shows, replays what it missed since `since` (filtered
 * like live events), then live events follow. Messages in: watch a topic or the lists, presence.
 */
export async function liveRoutes(app: FastifyInstance, core: Core): Promise<void> {
  const { hub, presence } = core.live;
  await app.register(websocket, { options: { maxPayload: 16 * 1024 } });

  app.get<{ Querystring: { since?: string; topic?: string; lists?: string } }>('/ws', { websocket: true, schema: { hide: true } }, async (socket: WebSocket, req) => {
    if (req.viewer.id === null) {
      socket.close(4401, 'Log in to receive live updates');
      return;
    }
    const conn = new LiveConnection(socket, req.viewer as typeof req.viewer & { id: number });
    const queued: string[] = [];
    socket.on('message', (raw: Buffer) => { queued.push(raw.toString()); });
    conn.lists = req.query.lists === '1';
    const topicId = Number(req.query.topic ?? 0);
    if (topicId && (await hub.maySeeTopic(conn, topicId))) conn.topics.add(topicId);
    hub.add(conn);
    socket.on('close', () => {
      hub.remove(conn);
      for (const topicId of conn.topics) void presence.announce(topicId, { id: conn.viewer.id, username: conn.viewer.username ?? '' }, 'left');
    });
    await catchUp(core, hub, conn, Number(req.query.since ?? 0));
    const handle = (text: string) => handleMessage(hub, presence, conn, text).catch((err) => req.log.warn({ err }, 'bad live message'));
    for (const text of queued.splice(0)) await handle(text);
    socket.removeAllListeners('message');
    socket.on('message', (raw: Buffer) => { void handle(raw.toString()); });
    for (const id of conn.topics) {
      conn.send({ type: 'presence-list', topicId: id, entries: presence.current(id).filter((e) => e.userId !== conn.viewer.id) });
      await presence.announce(id, { id: conn.viewer.id, username: conn.viewer.username ?? '' }, 'viewing');
    }
  });
}

async function catchUp(core: Core, hub: LiveHub, conn: LiveConnection, since: number): Promise<void> {
  const last = await core.bus.lastId();
  if (since > 0 && since < last) {
    const missed = await core.bus.since(since, CATCH_UP_LIMIT + 1);
    if (missed.length > CATCH_UP_LIMIT) conn.send({ type: 'reload', reason: 'Too much happened while you were away.' });
    else {
      for (const event of missed) {
        if (conn.interestedIn(event) && await hub.mayReceive(conn, event)) conn.send({ id: event.id, channel: event.channel, payload: event.payload, replay: true });
      }
    }
  }
  conn.send({ type: 'hello', lastEventId: last });
}

async function handleMessage(hub: LiveHub, presence: Presence, conn: LiveConnection, text: string): Promise<void> {
  const msg = JSON.parse(text) as ClientMessage;
  const me = { id: conn.viewer.id, username: conn.viewer.username ?? '' };
  switch (msg.type) {
    case 'watch-topic': {
      const topicId = Number(msg.topicId);
      if (!(await hub.maySeeTopic(conn, topicId))) return conn.send({ type: 'error', message: 'That topic does not exist or you are not allowed to see it.' });
      conn.topics.add(topicId);
      conn.send({ type: 'presence-list', topicId, entries: presence.current(topicId).filter((e) => e.userId !== me.id) });
      return presence.announce(topicId, me, 'viewing');
    }
    case 'unwatch-topic':
      conn.topics.delete(Number(msg.topicId));
      return presence.announce(Number(msg.topicId), me, 'left');
    case 'watch-lists':
      conn.lists = Boolean(msg.on);
      return;
    case 'presence':
      if (!conn.topics.has(Number(msg.topicId)) || !['viewing', 'replying', 'left'].includes(msg.state)) return;
      return presence.announce(Number(msg.topicId), me, msg.state);
  }
}
