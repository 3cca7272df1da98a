import type { LightMyRequestResponse } from 'fastify';
import { SESSION_COOKIE, createSession } from '../../core/auth/sessions.ts';
import type { User } from '../../core/users/users.table.ts';
import type { TestApp } from '../helpers/app.ts';

type Fields = Record<string, string | string[]>;

/** A browser without scripts: asks for HTML, posts URL-encoded forms with the CSRF field, follows 303s. */
export async function browser(h: TestApp, user: User | null) {
  const jar: Record<string, string> = user ? { [SESSION_COOKIE]: await createSession(h.core.db, user.id, {}) } : {};
  const send = async (method: 'GET' | 'POST', url: string, form?: URLSearchParams): Promise<LightMyRequestResponse> => {
    const res = await h.app.inject({
      method, url, cookies: jar, payload: form?.toString(),
      headers: { accept: 'text/html', ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    for (const c of res.cookies as { name: string; value: string }[]) jar[c.name] = c.value;
    return res;
  };
  const csrf = (await send('GET', '/api/session/csrf')).json().csrf as string;
  const post = (url: string, fields: Fields) => {
    const form = new URLSearchParams({ _csrf: csrf });
    for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) form.append(k, one);
    return send('POST', url, form);
  };
  return {
    get: (url: string) => send('GET', url),
    post,
    /** Posts a form that should succeed, and returns the page it redirects to (with its flash). */
    async submit(url: string, fields: Fields) {
      const res = await post(url, fields);
      if (res.statusCode !== 303) throw new Error(`POST ${url} -> ${res.statusCode}: ${res.body.match(/class="flash error"[^>]*>([^<]*)/)?.[1] ?? res.body.slice(0, 300)}`);
      return send('GET', String(res.headers.location).replace(/#.*$/, ''));
    },
  };
}
