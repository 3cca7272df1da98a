// The variables on their own: what is reported as unknown, how values and fallbacks fill a body,
// and that a value can never become Markdown markup.
import t from 'tap';
import { fill, markdownText, unknownVariables, usedVariables, type FillContext } from '../variables.ts';

const context: FillContext = {
  customer: { name: 'Carol Ann Customer', username: 'carol' },
  agent: { name: 'Alice Agent', username: 'alice' },
  group: { name: 'support', fullName: 'Acme Support' },
  topic: { title: 'Broken zipper', url: 'http://forum.test/t/broken-zipper/7' },
};

t.test('unknown variables are found, known ones listed, spacing and case forgiven', async (t) => {
  t.same(unknownVariables('Hi {{ customer.name }}, {{CUSTOMER.FIRST_NAME}} {{customer.name|there}}'), []);
  t.same(unknownVariables('Hi {{customer.nmae}} {{customer.nmae}} {{}} {{ a b }}'), ['{{customer.nmae}}', '{{}}', '{{ a b }}'], 'each once, in order');
  t.same(unknownVariables('A lone {{ brace, or } one'), [], 'text that is not a {{…}} is no variable');
  t.same(usedVariables('{{agent.name}} {{topic.url}} {{agent.name}} {{nope}}'), ['agent.name', 'topic.url']);
});

t.test('filling: values, then the reply\'s own fallback, then the default one', async (t) => {
  t.equal(fill('Hi {{customer.first_name}} ({{customer.name}}) {{agent.first_name}}/{{agent.name}} {{group.name}} {{topic.title}} {{topic.url}}', context),
    'Hi Carol (Carol Ann Customer) Alice/Alice Agent Acme Support Broken zipper http://forum.test/t/broken-zipper/7');
  const none: FillContext = { ...context, customer: null, topic: null, group: { name: 'support', fullName: '' } };
  t.equal(fill('Hi {{customer.name}}, {{customer.first_name | friend}}. [{{topic.url}}] {{group.name}}', none), 'Hi there, friend. [] support', 'no customer, no message, no full name');
  t.equal(fill('Hi {{customer.first_name}}', { ...context, customer: { name: '  ', username: 'carol_smith' } }), 'Hi carol_smith', 'a customer with no name: their username, its underscore left alone');
  t.equal(fill('{{unknown.thing}} stays', context), '{{unknown.thing}} stays', 'what is not a variable is left as written');
});

t.test('a value is text, never markup', async (t) => {
  t.equal(markdownText('[Win](http://evil.test) ![img](http://x.test/p.png)'), '\\[Win\\](http://evil.test) !\\[img\\](http://x.test/p.png)', 'no link, no image');
  t.equal(markdownText('<b>bold</b> *em* _em_ `code` ~~del~~ back\\slash'), '\\<b\\>bold\\</b\\> \\*em\\* \\_em\\_ \\`code\\` \\~\\~del\\~\\~ back\\\\slash');
  t.equal(markdownText('# Heading'), '\\# Heading', 'no heading where the value starts a line');
  t.equal(markdownText('1. First'), '1\\. First', 'no list either');
  t.equal(markdownText('two\nlines\r\nhere'), 'two lines here', 'one line');
  t.equal(markdownText('Ask @alice'), 'Ask \\@alice', 'no mention either');
  t.equal(markdownText('Mary-Jane O\'Brien, Ph.D.!'), 'Mary-Jane O\'Brien, Ph.D.!', 'an ordinary name is left as it is');
});
