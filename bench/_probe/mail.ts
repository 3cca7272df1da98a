import { benchMail } from '../mail-pipeline.ts';
const n = Number(process.env.N ?? 3000);
const r = await benchMail('postgres', n, 0);
console.log(JSON.stringify({ bare: Math.round(r.bareRate), pipe: Math.round(r.pipelineRate), cpu: r.cpuMsPerMessage.toFixed(2), statuses: r.statuses }));
process.exit(0);
