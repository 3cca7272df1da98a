/**
 * The hook maps are a type contract: `npx tsc --noEmit` checks the `@ts-expect-error` cases below
 * (each must be a type error, or the build fails). At run time this file only proves the
 * correctly typed registrations behave.
 */
import t from 'tap';
import { Hooks } from '../../core/hooks/hooks.ts';
import { definePlugin, type SuggestedTopic } from '../../core/plugin-api.ts';
import '../../plugins/example-greeter/index.ts';

const hooks = new Hooks(() => true, { error: () => {} });

export const typed = definePlugin({
  name: 'type-contract',
  version: '0.0.1',
  register(ctx) {
    ctx.hooks.onAction('message-created', ({ post, isFirstPost }) => { void post.raw; void isFirstPost; });
    // @ts-expect-error a message-created handler gets a post, not a user
    ctx.hooks.onAction('message-created', (payload: { user: { id: number } }) => { void payload; });
    // @ts-expect-error no such hook
    ctx.hooks.onAction('message-exploded', () => {});
    // @ts-expect-error no such filter
    ctx.hooks.onFilter('topic-colour', (v: unknown) => v);
    // @ts-expect-error a filter must return the (reshaped) value; returning nothing does not compile
    ctx.hooks.onFilter('topic-suggestions', (value) => { value.push({ topicId: 1, reason: 'x' }); });
    // @ts-expect-error a filter must return the value's type
    ctx.hooks.onFilter('topic-suggestions', () => 'nothing useful');
    ctx.hooks.onFilter('email-destination', (value, { mail }) => (value ?? (mail.recipients.includes('x@y.z') ? { kind: 'new-message', groupIds: [1], address: 'x@y.z' } : null)));
    // @ts-expect-error a destination is one of the known kinds
    ctx.hooks.onFilter('email-destination', () => ({ kind: 'somewhere', topicId: 1 }));
    // @ts-expect-error email-sender answers with a user id (or null), not a user
    ctx.hooks.onFilter('email-sender', () => ({ id: 1 }));
    // A plugin's own hook, declared by merging into ActionHooks through the plugin API.
    ctx.hooks.onAction('greeter-greeted', ({ greeting }) => { void greeting.toUpperCase(); });
    // @ts-expect-error the greeter's payload has no 'volume'
    void ctx.hooks.action('greeter-greeted', { greeting: 'hi', viewerId: null, volume: 11 });
  },
});

// @ts-expect-error firing an action with the wrong payload
void hooks.action('topic-created', { topic: 1 });
// @ts-expect-error firing a filter with a value of the wrong shape
void hooks.filter('topic-suggestions', [{ id: 1 }], { viewer: null, topic: null, limit: 5 });

t.test('well-typed filters pass their value through in order', async (t) => {
  hooks.onFilter('topic-suggestions', (value) => [...value, { topicId: 2, reason: 'second' }]);
  hooks.onFilter('topic-suggestions', (value) => [...value, { topicId: 1, reason: 'first' }], { priority: 1 });
  const out: SuggestedTopic[] = await hooks.filter('topic-suggestions', [], { viewer: null as never, topic: null as never, limit: 5 });
  t.same(out.map((s) => s.topicId), [1, 2]);
});

t.test("a plugin's declared action is callable with its payload", async (t) => {
  const heard: string[] = [];
  hooks.onAction('greeter-greeted', ({ greeting }) => { heard.push(greeting); });
  await hooks.action('greeter-greeted', { greeting: 'hi', viewerId: null });
  t.same(heard, ['hi']);
  t.equal(typed.name, 'type-contract');
});
