import { benchMail } from './keep.ts';
const r = await benchMail('postgres', 3000, 0);
console.log(Math.round(r.pipelineRate));
process.exit(0);
