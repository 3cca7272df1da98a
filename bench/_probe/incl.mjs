import fs from 'node:fs';
const dir = '/tmp/prof'; const f = fs.readdirSync(dir).filter(x=>x.endsWith('.cpuprofile')).map(x=>dir+'/'+x).sort((a,b)=>fs.statSync(b).size-fs.statSync(a).size)[0];
const p = JSON.parse(fs.readFileSync(f));
const byId = new Map(p.nodes.map(n=>[n.id,n])); const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const dt = new Map(); for (let i=0;i<p.samples.length;i++) dt.set(p.samples[i],(dt.get(p.samples[i])??0)+(p.timeDeltas[i]??0));
const pkg = (n)=>{ const u=n.callFrame.url; const m=u.match(/node_modules\/((@[^/]+\/)?[^/]+)/); return m?m[1]:null; };
const ours = (n)=>{ const u=n.callFrame.url; return u.includes('/work/main/') && !u.includes('node_modules') ? u.replace(/.*\/work\/main\//,'')+' '+n.callFrame.functionName+':'+n.callFrame.lineNumber : null; };
const target = process.argv[2] ?? 'kysely';
const agg = new Map(); let tot=0;
for (const [id,t] of dt) { let n = byId.get(id); if (pkg(n) !== target) continue; tot+=t;
  let cur = id; let site = null; while (cur) { const x = byId.get(cur); const o = ours(x); if (o) { site = o; break; } cur = parent.get(cur); }
  agg.set(site ?? '?', (agg.get(site ?? '?') ?? 0) + t); }
console.log(target, 'total ms', (tot/1000).toFixed(0));
for (const [k,t] of [...agg].sort((a,b)=>b[1]-a[1]).slice(0,25)) console.log((t/1000).toFixed(0).padStart(6), k);
