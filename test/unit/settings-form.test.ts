import t from 'tap';
import { Type } from '@sinclair/typebox';
import { humanize, kindOf, parseSettingsForm, settingsFields } from '../../core/admin/settings-form.ts';

const Schema = Type.Object({
  greeting: Type.String({ minLength: 1, maxLength: 200, default: 'Hello', description: 'What visitors read' }),
  welcome: Type.String({ maxLength: 2000, default: '' }),
  notes: Type.String({ format: 'textarea' }),
  times: Type.Integer({ minimum: 1, maximum: 5, default: 1 }),
  ratio: Type.Number({ default: 0.5 }),
  loud: Type.Boolean({ default: false }),
  mood: Type.Union([Type.Literal('calm'), Type.Literal('cheery')], { default: 'calm' }),
  quietUserIds: Type.Array(Type.Integer({ minimum: 1 }), { default: [] }),
  tags: Type.Array(Type.String()),
  extra: Type.Object({ a: Type.Number() }),
});

t.test('each setting type gets the input an admin expects', async (t) => {
  const fields = settingsFields(Schema, { greeting: 'Hi', times: 3, loud: true, mood: 'cheery', quietUserIds: [4, 7], extra: { a: 1 } });
  const by = Object.fromEntries(fields.map((f) => [f.name, f]));
  t.match(by.greeting, { kind: 'text', label: 'Greeting', hint: 'What visitors read', placeholder: 'Hello', value: 'Hi', required: true, maxLength: 200 });
  t.equal(by.welcome.kind, 'textarea', 'a string longer than 200 characters gets a textarea');
  t.equal(by.notes.kind, 'textarea', "format: 'textarea' gets a textarea");
  t.match(by.times, { kind: 'number', min: 1, max: 5, step: '1', value: '3', placeholder: '1' });
  t.match(by.ratio, { kind: 'number', step: 'any', min: null });
  t.match(by.loud, { kind: 'checkbox', checked: true });
  t.same(by.mood.options, [{ value: 'calm', label: 'calm', selected: false }, { value: 'cheery', label: 'cheery', selected: true }]);
  t.match(by.quietUserIds, { kind: 'list', label: 'Quiet user ids', value: '4, 7' });
  t.equal(by.tags.kind, 'list');
  t.equal(by.extra.kind, 'json');
  t.equal(by.extra.value, JSON.stringify({ a: 1 }, null, 2));
});

t.test('a rejected form shows what the admin typed, not the stored values', async (t) => {
  const fields = settingsFields(Schema, { times: 3, loud: true }, { times: 'lots' });
  const by = Object.fromEntries(fields.map((f) => [f.name, f]));
  t.equal(by.times.value, 'lots');
  t.equal(by.loud.checked, false, 'an unticked box stays unticked');
});

t.test('a submitted form parses back into typed values', async (t) => {
  const parsed = parseSettingsForm(Schema, {
    _csrf: 'x', greeting: 'Hey', welcome: 'line one\r\nline two', times: '4', ratio: '', mood: 'cheery',
    quietUserIds: '3, 9,, 12', tags: 'a,b', extra: '{"a":2}', loud: 'true',
  });
  t.same(parsed, {
    greeting: 'Hey', welcome: 'line one\nline two', times: 4, ratio: 0.5, loud: true, mood: 'cheery',
    quietUserIds: [3, 9, 12], tags: ['a', 'b'], extra: { a: 2 },
  }, 'an empty number means its default; fields not on the form are left out');
  t.equal(parseSettingsForm(Schema, {}).loud, false, 'an unticked checkbox sends nothing and means false');
  t.same(parseSettingsForm(Schema, { quietUserIds: '' }).quietUserIds, [], 'an empty list is an empty array');
});

t.test('a value that cannot be read is a 400 naming the setting', async (t) => {
  t.throws(() => parseSettingsForm(Schema, { times: 'lots' }), { statusCode: 400, message: /Times: "lots" is not a number/ });
  t.throws(() => parseSettingsForm(Schema, { times: '2.5' }), { message: /Times: "2.5" is not a whole number/ });
  t.throws(() => parseSettingsForm(Schema, { quietUserIds: '3, bob' }), { message: /Quiet user ids: "bob" is not a number/ });
  t.throws(() => parseSettingsForm(Schema, { mood: 'grumpy' }), { message: /Mood: choose one of calm, cheery/ });
  t.throws(() => parseSettingsForm(Schema, { extra: '{oops' }), { message: /Extra: this is not valid JSON/ });
});

t.test('labels and kinds', async (t) => {
  t.equal(humanize('contactEmail'), 'Contact email');
  t.equal(humanize('default_notification_level'), 'Default notification level');
  t.equal(kindOf({ type: 'string', multiline: true }), 'textarea');
  t.equal(kindOf({ type: 'string', enum: ['a', 'b'] }), 'select');
  t.equal(kindOf({ type: 'string', title: 'Named' }), 'text');
});
