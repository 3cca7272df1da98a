import { sql, type Kysely } from 'kysely';

/**
 * Each topic keeps its row of a topic list ready: the JSON of everything in the row that is the
 * same for every viewer (title, counts, dates, author and last poster by name), without its
 * closing brace, so a list page only appends the viewer's part (read state, and the highest post
 * number they may count) instead of building 30 objects, formatting 90 dates and looking up 60
 * usernames on every request. A trigger writes it whenever the topic row changes, and a rename
 * rewrites the rows that show the name: in the database, so every process and every writer agrees.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE topics ADD COLUMN list_item text`.execute(db);
  // The dates are written exactly as Date.prototype.toJSON writes them, as the API's other dates.
  await sql`
    CREATE FUNCTION parley_topic_list_item(t topics) RETURNS text LANGUAGE sql STABLE AS $$
      SELECT left(json_build_object(
        'id', t.id, 'title', t.title, 'slug', t.slug, 'archetype', t.archetype, 'categoryId', t.category_id, 'excerpt', t.excerpt,
        'closed', t.closed, 'archived', t.archived, 'postsCount', t.posts_count,
        'createdAt', to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'bumpedAt', to_char(t.bumped_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'lastPostedAt', to_char(t.last_posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'lastPoster', (SELECT u.username FROM users u WHERE u.id = t.last_post_user_id),
        'author', (SELECT u.username FROM users u WHERE u.id = t.user_id), 'authorId', t.user_id)::text, -1)
    $$
  `.execute(db);
  await sql`
    CREATE FUNCTION parley_topics_list_item() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.list_item := parley_topic_list_item(NEW);
      RETURN NEW;
    END $$
  `.execute(db);
  await sql`CREATE TRIGGER topics_list_item BEFORE INSERT OR UPDATE ON topics FOR EACH ROW EXECUTE FUNCTION parley_topics_list_item()`.execute(db);
  await sql`
    CREATE FUNCTION parley_users_list_items() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE topics SET list_item = NULL WHERE user_id = NEW.id OR last_post_user_id = NEW.id;
      RETURN NULL;
    END $$
  `.execute(db);
  await sql`CREATE TRIGGER users_list_items AFTER UPDATE OF username ON users FOR EACH ROW WHEN (OLD.username IS DISTINCT FROM NEW.username) EXECUTE FUNCTION parley_users_list_items()`.execute(db);
  // A rename (and removing an account) finds the topics that show the name by index.
  await sql`CREATE INDEX topics_user ON topics (user_id)`.execute(db);
  await sql`CREATE INDEX topics_last_post_user ON topics (last_post_user_id)`.execute(db);
  await sql`UPDATE topics SET list_item = NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX topics_last_post_user`.execute(db);
  await sql`DROP INDEX topics_user`.execute(db);
  await sql`DROP TRIGGER users_list_items ON users`.execute(db);
  await sql`DROP FUNCTION parley_users_list_items()`.execute(db);
  await sql`DROP TRIGGER topics_list_item ON topics`.execute(db);
  await sql`DROP FUNCTION parley_topics_list_item()`.execute(db);
  await sql`DROP FUNCTION parley_topic_list_item(topics)`.execute(db);
  await sql`ALTER TABLE topics DROP COLUMN list_item`.execute(db);
}
