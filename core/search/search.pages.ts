import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';
import { ParleyError } from '../errors.ts';
import { renderPage } from '../web/render.ts';
import type { SearchHit } from './search.service.ts';

type Q = Record<string, string | undefined>;
const POSTS_PER_TOPIC_PAGE = 50;

/** `/search?q=`: what the viewer may read, best matches first; a query too short or too common says so. */
export async function searchPages(app: FastifyInstance, core: Core): Promise<void> {
  app.get<{ Querystring: Q }>('/search', { schema: { hide: true }, config: { rateLimit: { max: 60, timeWindow: 60_000 } } }, async (req, reply) => {
    const q = typeof req.query.q === 'string' ? req.query.q : '';
    const page = Math.max(0, Math.min(1_000, Math.floor(Number(req.query.page ?? 0)) || 0));
    const base = { title: q.trim() ? `Search: ${q.trim()}` : 'Search', searchTerm: q };
    if (!q.trim()) return renderPage(core, req, reply, 'search', { ...base, searched: false });
    try {
      const result = await core.services.search.search(req.viewer, q, page);
      return renderPage(core, req, reply, 'search', {
        ...base, searched: true, query: result.query, page: result.page, more: result.more, hits: result.hits.map(forView),
        prevHref: result.page > 0 ? pageHref(result.query, result.page - 1) : null,
        nextHref: result.more ? pageHref(result.query, result.page + 1) : null,
      });
    } catch (err) {
      if (!(err instanceof ParleyError) || err.statusCode !== 400) throw err;
      return renderPage(core, req, reply, 'search', { ...base, searched: false, flash: [{ kind: 'error', message: err.message }] }, 400);
    }
  });
}

function pageHref(q: string, page: number): string {
  return `/search?${new URLSearchParams(page > 0 ? { q, page: String(page) } : { q })}`;
}

function forView(hit: SearchHit) {
  const topic = `/t/${hit.slug}/${hit.topicId}`;
  const href = hit.postNumber <= POSTS_PER_TOPIC_PAGE ? `${topic}#post-${hit.postNumber}` : `${topic}?after=${hit.postNumber - 1}#post-${hit.postNumber}`;
  return { ...hit, href, excerpt: onlyMarks(hit.excerpt) };
}

/**
 * The service hands back escaped text with `<mark>` highlights. Rendered unescaped, so as a second
 * line of defence any other tag that ever got through is turned back into text.
 */
export function onlyMarks(html: string): string {
  return html.replace(/<(?!\/?mark>)/g, '&lt;');
}
