import { definePlugin } from '../../core/plugin-api.ts';

/** canned-replies: Canned replies: each group\'s library of answers, inserted from the composer with their variables filled. */
export default definePlugin({
  name: 'canned-replies',
  version: '0.1.0',
  description: 'Canned replies: each group\'s library of answers, inserted from the composer with their variables filled.',
  dependsOn: ['group-inbox'],
  register() {},
});
