import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { badInput } from '../errors.ts';
import type { Guardian } from '../permissions/guardian.ts';
import { PostType } from '../posts/posts.table.ts';
import type { Viewer } from '../permissions/viewer.ts';

export const MIN_QUERY = 3;
export const MAX_QUERY = 200;
export const SEARCH_PER_PAGE = 20;

export interface SearchHit {
  topicId: number;
  title: string;
  slug: string;
  postNumber: number;
  /** HTML: the post's text escaped, with matching words in `<mark>`. */
  excerpt: string;
  rank: number;
}

export interface SearchResult { query: string; page: number; more: boolean; hits: SearchHit[] }

/** Private-use characters mark the highlights, so the text can be escaped before they become `<mark>`. */
const START = '\uE000';
const STOP = '\uE001';
const HEADLINE_OPTIONS = `StartSel=${START}, StopSel=${STOP}, MaxWords=35, MinWords=15, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "`;

/**
 * Full-text search over topic titles and post text (english configuration, GIN-indexed
 * `search_vector` columns). A viewer finds only posts the guardian lets them read: the topic's
 * condition and the post's (whispers, deleted posts) both apply, exactly as on the topic page.
 */
export class SearchService {
  constructor(private readonly deps: { db: Kysely<DB>; guardian: Guardian }) {}

  async search(viewer: Viewer, rawQuery: string | undefined, page = 0): Promise<SearchResult> {
    const query = (rawQuery ?? '').replace(/\s+/g, ' ').trim();
    if (query.length < MIN_QUERY) throw badInput(`Search for at least ${MIN_QUERY} characters.`, { field: 'q' });
    if (query.length > MAX_QUERY) throw badInput(`Searches can be at most ${MAX_QUERY} characters long.`, { field: 'q' });
    const { db, guardian } = this.deps;
    const tsq = sql`websearch_to_tsquery('english', ${query})`;
    const terms = await db.selectNoFrom(sql<number>`numnode(${tsq})`.as('n')).executeTakeFirstOrThrow();
    if (Number(terms.n) === 0) throw badInput('Those words are too common to search for; add a more specific word.', { field: 'q' });

    const [topicOk, postOk] = await Promise.all([guardian.topicPredicate(viewer), guardian.postPredicate(viewer)]);
    const offset = Math.max(0, Math.floor(page)) * SEARCH_PER_PAGE;
    const titleMatch = sql<boolean>`(posts.post_number = 1 AND topics.search_vector @@ ${tsq})`;
    const rank = sql<number>`ts_rank(posts.search_vector, ${tsq}) + CASE WHEN ${titleMatch} THEN 2 * ts_rank(topics.search_vector, ${tsq}) ELSE 0 END`;
    const rows = await db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id')
      .select([
        'topics.id as topicId', 'topics.title', 'topics.slug', 'posts.post_number as postNumber',
        sql<string>`ts_headline('english', posts.raw, ${tsq}, ${HEADLINE_OPTIONS})`.as('headline'),
        rank.as('rank'),
      ])
      .where(sql<boolean>`(posts.search_vector @@ ${tsq} OR ${titleMatch})`)
      .where('posts.post_type', '!=', PostType.smallAction)
      .where((eb) => topicOk(eb as unknown as ExpressionBuilder<DB, 'topics'>))
      .where(postOk)
      .orderBy(sql`rank`, 'desc').orderBy('posts.id', 'desc')
      .limit(SEARCH_PER_PAGE + 1).offset(offset)
      .execute();
    const hits = rows.slice(0, SEARCH_PER_PAGE).map((r) => ({
      topicId: r.topicId, title: r.title, slug: r.slug, postNumber: r.postNumber, rank: Number(r.rank), excerpt: highlight(r.headline),
    }));
    return { query, page: Math.max(0, Math.floor(page)), more: rows.length > SEARCH_PER_PAGE, hits };
  }
}

/** Escapes the headline's text, then turns the highlight marks into `<mark>` elements. */
export function highlight(headline: string): string {
  return headline.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).split(START).join('<mark>').split(STOP).join('</mark>');
}
