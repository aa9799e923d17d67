import { build } from 'esbuild';
const r = await build({ entryPoints: [{in:'web/console/main.tsx', out:'console'}], outdir:'/tmp/cb/out', entryNames:'[name].[hash]', chunkNames:'shared.[hash]', write:false, bundle:true, splitting:true, metafile:true, minify:true, format:'esm', platform:'browser', jsx:'automatic', define:{'process.env.NODE_ENV':'"production"'}, logLevel:'silent'});
const outs = r.metafile.outputs;
const entry = Object.keys(outs).find(k => outs[k].entryPoint === 'web/console/main.tsx');
const seen = new Set(); const visit = k => { if (seen.has(k)) return; seen.add(k); for (const i of outs[k].imports) if (i.kind==='import-statement') visit(i.path); }; visit(entry);
const byPkg = {};
for (const k of seen) for (const [inp, v] of Object.entries(outs[k].inputs)) { const m = inp.match(/node_modules\/((@[^/]+\/)?[^/]+)(\/(es|lib)\/([^/]+))?/); const key = m ? m[1] + (m[1]==='antd'||m[1].startsWith('@ant-design')||m[1].startsWith('@rc')? '/' + (m[5]??'') : '') : inp.split('/').slice(0,3).join('/'); byPkg[key]=(byPkg[key]??0)+v.bytesInOutput; }
console.log(Object.entries(byPkg).sort((a,b)=>b[1]-a[1]).slice(0,45).map(([k,v])=>`${(v/1024).toFixed(0).padStart(6)} ${k}`).join('\n'));
