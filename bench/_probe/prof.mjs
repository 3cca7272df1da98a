import fs from 'node:fs';
const dir = '/tmp/prof'; const f = fs.readdirSync(dir).filter(x=>x.endsWith('.cpuprofile')).map(x=>dir+'/'+x).sort((a,b)=>fs.statSync(b).size-fs.statSync(a).size)[0];
const p = JSON.parse(fs.readFileSync(f));
const byId = new Map(p.nodes.map(n=>[n.id,n]));
const dt = new Map(); for (let i=0;i<p.samples.length;i++){ dt.set(p.samples[i],(dt.get(p.samples[i])??0)+(p.timeDeltas[i]??0)); }
const key = (n)=>{ const u=n.callFrame.url; if(!u) return n.callFrame.functionName||'(native)'; const m=u.match(/node_modules\/((@[^/]+\/)?[^/]+)/); if(m) return m[1]; if(u.startsWith('node:')) return u; return u.replace(/.*\/work\/main\//,''); };
const agg = new Map(); let total=0;
for (const [id,t] of dt){ const n=byId.get(id); const k=key(n); agg.set(k,(agg.get(k)??0)+t); total+=t; }
const fn = new Map(); for (const [id,t] of dt){ const n=byId.get(id); const k=key(n)+' '+n.callFrame.functionName+':'+n.callFrame.lineNumber; fn.set(k,(fn.get(k)??0)+t); }
console.log('total ms', (total/1000).toFixed(0));
for (const [k,t] of [...agg].sort((a,b)=>b[1]-a[1]).slice(0,30)) console.log((t/1000).toFixed(0).padStart(7), (100*t/total).toFixed(1).padStart(5)+'%', k);
console.log('--- functions');
for (const [k,t] of [...fn].sort((a,b)=>b[1]-a[1]).slice(0,40)) console.log((t/1000).toFixed(0).padStart(7), (100*t/total).toFixed(1).padStart(5)+'%', k);
