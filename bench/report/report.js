'use strict';
const $ = id => document.getElementById(id);
const NS = 'http://www.w3.org/2000/svg';
const codecs = [];
for (const e of DATA.entries) if (!codecs.includes(e.codec)) codecs.push(e.codec);
/* Standard codecs keep one colour in every report; imz's codecs take the strong ones left. */
const FIXED = {'jpeg': '#d62728', 'webp': '#2ca02c', 'webp-ll': '#98df8a', 'avif': '#9467bd', 'avif-ll': '#c5b0d5',
    'jxl': '#8c564b', 'jxl-e3': '#c49c94', 'jxl-e7': '#8c564b', 'jxl-e9': '#5c3a2e', 'j2k': '#17becf', 'j2k-ll': '#9edae5',
    'png': '#7f7f7f', 'qoi': '#bcbd22', 'jpegls': '#e377c2', 'ffv1': '#ff9896'};
const FREE = ['#1f77b4', '#ff7f0e', '#003f5c', '#ffa600', '#58508d', '#bc5090', '#2f4b7c', '#a05195', '#0b6e4f', '#444444'];
const own = codecs.filter(c => !FIXED[c]);
const colour = c => FIXED[c] || FREE[own.indexOf(c) % FREE.length];
const ok = v => v !== null && v !== undefined && isFinite(v);
const fmt = (v, d) => ok(v) ? Number(v).toFixed(d) : '–';
const esc = s => String(s).replace(/[&<>'"]/g, ch => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&#39;', '"': '&quot;'}[ch]));
const swatch = c => `<span class='swatch' style='background:${colour(c)}'></span>`;
const METRIC_NAMES = {psnr: 'PSNR (RGB), dB', psnr_y: 'PSNR-Y, dB', ssim: 'SSIM', msssim: 'MS-SSIM'};
const rowsBy = DATA.images.map(() => []);
for (const r of DATA.rows) rowsBy[r.image][r.entry] = r;

function el(tag, attrs, parent, text) {
    const n = document.createElementNS(NS, tag);
    for (const k in attrs) n.setAttribute(k, attrs[k]);
    if (text !== undefined) n.textContent = text;
    if (parent) parent.appendChild(n);
    return n;
}

function niceTicks(lo, hi, n) {
    const span = hi - lo || 1, raw = span / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / mag, step = (f >= 7.5 ? 10 : f >= 3.5 ? 5 : f >= 1.5 ? 2 : 1) * mag;
    const t = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) t.push(+v.toPrecision(12));
    return t;
}

function logTicks(lo, hi) {
    const t = [];
    for (let k = Math.floor(Math.log10(lo)) - 1; k <= Math.ceil(Math.log10(hi)) + 1; k++)
        for (const m of [1, 2, 5]) {
            const v = m * Math.pow(10, k);
            if (v >= lo * 0.999 && v <= hi * 1.001) t.push(+v.toPrecision(6));
        }
    return t;
}

const tip = $('tip');
function showTip(ev, text) {
    tip.textContent = text;
    tip.style.display = 'block';
    const x = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    tip.style.left = x + 'px';
    tip.style.top = (ev.clientY + 14) + 'px';
}
const hideTip = () => { tip.style.display = 'none'; };

/* A scatter-line plot with axes, grid, ticks, legend (clickable) and hover values. */
function linePlot(box, series, opt) {
    box.innerHTML = '';
    const W = Math.max(Math.min(box.clientWidth || 1100, 1260), 560), H = opt.height || 500;
    const m = {l: 70, r: 190, t: 14, b: 52};
    const svg = el('svg', {width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': opt.label}, box);
    const vis = series.filter(s => !opt.hidden.has(s.name));
    const use = vis.length ? vis : series;
    let xs = [], ys = [];
    for (const s of use) for (const p of s.pts) { xs.push(p.x); ys.push(p.y); }
    if (opt.logx) xs = xs.filter(x => x > 0);
    let x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    if (opt.logx) { x0 /= 1.15; x1 *= 1.15; } else { const px = (x1 - x0) * 0.04 || 1; x0 -= px; x1 += px; }
    const py = (y1 - y0) * 0.05 || 0.5; y0 -= py; y1 += py;
    const pw = W - m.l - m.r, ph = H - m.t - m.b;
    const X = x => m.l + (opt.logx ? (Math.log(x) - Math.log(x0)) / (Math.log(x1) - Math.log(x0)) : (x - x0) / (x1 - x0)) * pw;
    const Y = y => m.t + (1 - (y - y0) / (y1 - y0)) * ph;
    const g = el('g', {class: 'axes'}, svg);
    const xt = opt.logx ? logTicks(x0, x1) : niceTicks(x0, x1, 8), yt = niceTicks(y0, y1, 8);
    for (const v of xt) {
        el('line', {x1: X(v), x2: X(v), y1: m.t, y2: m.t + ph, stroke: '#e3e7ec'}, g);
        el('text', {x: X(v), y: m.t + ph + 18, 'text-anchor': 'middle', 'font-size': 12, fill: '#333'}, g, String(v));
    }
    for (const v of yt) {
        el('line', {x1: m.l, x2: m.l + pw, y1: Y(v), y2: Y(v), stroke: '#e3e7ec'}, g);
        el('text', {x: m.l - 8, y: Y(v) + 4, 'text-anchor': 'end', 'font-size': 12, fill: '#333'}, g, String(v));
    }
    el('rect', {x: m.l, y: m.t, width: pw, height: ph, fill: 'none', stroke: '#8a949e'}, g);
    el('text', {x: m.l + pw / 2, y: H - 12, 'text-anchor': 'middle', 'font-size': 13, 'font-weight': 600}, g, opt.xlabel);
    el('text', {x: 16, y: m.t + ph / 2, 'text-anchor': 'middle', 'font-size': 13, 'font-weight': 600,
        transform: `rotate(-90 16 ${m.t + ph / 2})`}, g, opt.ylabel);
    const clip = 'clip' + Math.random().toString(36).slice(2);
    const defs = el('defs', {}, svg);
    el('rect', {x: m.l, y: m.t, width: pw, height: ph}, el('clipPath', {id: clip}, defs));
    const data = el('g', {'clip-path': `url(#${clip})`, class: 'series'}, svg);
    for (const s of vis) {
        const c = colour(s.name);
        const pts = s.pts.filter(p => !opt.logx || p.x > 0);
        el('path', {d: pts.map((p, i) => (i ? 'L' : 'M') + X(p.x).toFixed(1) + ' ' + Y(p.y).toFixed(1)).join(' '),
            fill: 'none', stroke: c, 'stroke-width': s.name.startsWith('imz-') ? 3 : 2}, data);
        for (const p of pts) {
            const dot = el('circle', {cx: X(p.x), cy: Y(p.y), r: 4.5, fill: c, stroke: '#fff', 'stroke-width': 1.2,
                class: 'pt', 'data-codec': s.name}, data);
            dot.addEventListener('mousemove', ev => showTip(ev, p.tip));
            dot.addEventListener('mouseleave', hideTip);
        }
    }
    const leg = el('g', {class: 'legend'}, svg);
    series.forEach((s, i) => {
        const y = m.t + 10 + i * 22, x = W - m.r + 16, off = opt.hidden.has(s.name);
        const item = el('g', {style: 'cursor:pointer', opacity: off ? 0.35 : 1}, leg);
        el('rect', {x, y: y - 9, width: 18, height: 4, fill: colour(s.name)}, item);
        el('circle', {cx: x + 9, cy: y - 7, r: 4, fill: colour(s.name)}, item);
        el('text', {x: x + 26, y: y - 3, 'font-size': 13}, item, s.name);
        item.addEventListener('click', () => {
            if (opt.hidden.has(s.name)) opt.hidden.delete(s.name); else opt.hidden.add(s.name);
            opt.redraw();
        });
    });
}

const rdHidden = new Set();
function drawRD() {
    const metric = $('rd-metric').value, logx = $('rd-logx').checked, series = [];
    for (const c of codecs) {
        const pts = DATA.entries.filter(e => e.codec === c && !e.lossless && e.images > 0 && ok(e[metric]) && !e.bit_exact)
            .map(e => ({x: e.mean_bpp, y: e[metric],
                tip: `${c}  ${e.setting}\n${fmt(e.mean_bpp, 4)} bpp\nPSNR ${fmt(e.psnr, 2)} dB  PSNR-Y ${fmt(e.psnr_y, 2)} dB\nSSIM ${fmt(e.ssim, 4)}  MS-SSIM ${fmt(e.msssim, 4)}`}))
            .sort((a, b) => a.x - b.x);
        if (pts.length) series.push({name: c, pts});
    }
    const box = $('rd-plot');
    if (!series.length) { box.textContent = 'No lossy results in this run.'; return; }
    linePlot(box, series, {label: 'rate-distortion curves', xlabel: 'bits per pixel (mean over images)',
        ylabel: METRIC_NAMES[metric], logx, hidden: rdHidden, redraw: drawRD});
}

function drawTables() {
    let h = '';
    if (DATA.bd_rate.length) {
        h += `<table id='bd-rate'><tr><th>codec</th><th>BD-rate PSNR vs ${esc(DATA.ref)}</th><th>BD-rate SSIM vs ${esc(DATA.ref)}</th></tr>`;
        const cls = v => ok(v) ? (v < 0 ? 'neg' : v > 0 ? 'pos' : '') : '';
        for (const b of DATA.bd_rate)
            h += `<tr><td>${swatch(b.codec)}${esc(b.codec)}</td><td class='${cls(b.psnr)}'>${ok(b.psnr) ? (b.psnr > 0 ? '+' : '') + b.psnr.toFixed(1) + '%' : 'n/a'}</td>` +
                `<td class='${cls(b.ssim)}'>${ok(b.ssim) ? (b.ssim > 0 ? '+' : '') + b.ssim.toFixed(1) + '%' : 'n/a'}</td></tr>`;
        h += '</table>';
    } else h = '<p>No lossy curves with enough points (4) for a BD-rate.</p>';
    const lossy = DATA.entries.filter(e => !e.lossless && e.images > 0);
    if (lossy.length) {
        h += `<details><summary>Every lossy setting</summary><table id='lossy-table'><tr><th>codec</th><th class='l'>setting</th><th>bpp</th><th>PSNR</th><th>PSNR-Y</th><th>SSIM</th><th>MS-SSIM</th><th>encode MB/s</th><th>decode MB/s</th><th>peak MiB</th></tr>`;
        for (const e of lossy)
            h += `<tr><td>${swatch(e.codec)}${esc(e.codec)}</td><td class='l'>${esc(e.setting)}</td><td>${fmt(e.mean_bpp, 4)}</td><td>${fmt(e.psnr, 2)}</td><td>${fmt(e.psnr_y, 2)}</td><td>${fmt(e.ssim, 4)}</td><td>${fmt(e.msssim, 4)}</td><td>${fmt(e.encode_mb_s, 2)}</td><td>${fmt(e.decode_mb_s, 2)}</td><td>${fmt(e.peak_kb / 1024, 1)}</td></tr>`;
        h += '</table></details>';
    }
    $('bd-table').innerHTML = h;
    const ll = DATA.entries.filter(e => e.lossless && e.images > 0);
    if (!ll.length) { $('lossless-table').innerHTML = '<p>No lossless codecs in this run.</p>'; return; }
    const best = Math.min(...ll.map(e => e.bpp));
    let t = `<table id='lossless-rows'><tr><th>codec</th><th class='l'>setting</th><th>images</th><th>bpp</th><th>ratio</th><th>encode MB/s</th><th>decode MB/s</th><th>peak MiB</th><th class='l'>bit-exact</th></tr>`;
    const depthBits = DATA.images.length ? DATA.images[0].channels * (DATA.images[0].depth > 8 ? 16 : 8) : 24;
    for (const e of ll)
        t += `<tr><td>${swatch(e.codec)}${esc(e.codec)}</td><td class='l'>${esc(e.setting)}</td><td>${e.images}</td><td${e.bpp === best ? " class='neg'" : ''}>${fmt(e.bpp, 4)}</td><td>${fmt(depthBits / e.bpp, 3)}</td><td>${fmt(e.encode_mb_s, 2)}</td><td>${fmt(e.decode_mb_s, 2)}</td><td>${fmt(e.peak_kb / 1024, 1)}</td><td class='l ${e.bit_exact ? '' : 'bad'}'>${e.bit_exact ? 'yes' : 'NO'}</td></tr>`;
    $('lossless-table').innerHTML = t + '</table>';
}

function drawSpeed() {
    const kind = $('speed-kind').value, box = $('speed-chart');
    const list = DATA.entries.filter(e => e.images > 0 && (kind === 'lossless') === !!e.lossless && ok(e.encode_mb_s) && ok(e.decode_mb_s));
    box.innerHTML = '';
    if (!list.length) { box.textContent = 'No ' + kind + ' results in this run.'; return; }
    const W = Math.max(Math.min(box.clientWidth || 1100, 1260), 560), row = 30, m = {l: 210, r: 90, t: 34, b: 44};
    const H = m.t + m.b + list.length * row;
    const svg = el('svg', {width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'speed chart'}, box);
    const vals = list.flatMap(e => [e.encode_mb_s, e.decode_mb_s]).filter(v => v > 0);
    const lo = Math.min(...vals) / 1.5, hi = Math.max(...vals) * 1.3, pw = W - m.l - m.r;
    const X = v => m.l + (Math.log(Math.max(v, lo)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) * pw;
    for (const v of logTicks(lo, hi)) {
        el('line', {x1: X(v), x2: X(v), y1: m.t - 4, y2: H - m.b, stroke: '#e3e7ec'}, svg);
        el('text', {x: X(v), y: H - m.b + 16, 'text-anchor': 'middle', 'font-size': 12}, svg, String(v));
    }
    el('text', {x: m.l + pw / 2, y: H - 10, 'text-anchor': 'middle', 'font-size': 13, 'font-weight': 600}, svg, 'MB/s of raw samples (log scale)');
    el('rect', {x: m.l, y: 8, width: 14, height: 10, fill: '#555'}, svg);
    el('text', {x: m.l + 20, y: 17, 'font-size': 12}, svg, 'encode');
    el('rect', {x: m.l + 90, y: 8, width: 14, height: 10, fill: '#555', 'fill-opacity': 0.45}, svg);
    el('text', {x: m.l + 110, y: 17, 'font-size': 12}, svg, 'decode');
    list.forEach((e, i) => {
        const y = m.t + i * row, c = colour(e.codec);
        el('text', {x: m.l - 8, y: y + row / 2 + 4, 'text-anchor': 'end', 'font-size': 12}, svg, e.codec + (e.setting === 'default' ? '' : ' ' + e.setting));
        [[e.encode_mb_s, 1, 2], [e.decode_mb_s, 0.45, row / 2]].forEach(([v, op, dy]) => {
            const bar = el('rect', {x: m.l, y: y + dy, width: Math.max(X(v) - m.l, 1), height: row / 2 - 3, fill: c, 'fill-opacity': op, class: 'bar'}, svg);
            el('text', {x: X(v) + 4, y: y + dy + row / 2 - 6, 'font-size': 11, fill: '#333'}, svg, fmt(v, v < 10 ? 2 : 1));
            bar.addEventListener('mousemove', ev => showTip(ev, `${e.codec} ${e.setting}\nencode ${fmt(e.encode_mb_s, 2)} MB/s\ndecode ${fmt(e.decode_mb_s, 2)} MB/s\npeak ${fmt(e.peak_kb / 1024, 1)} MiB`));
            bar.addEventListener('mouseleave', hideTip);
        });
    });
}

/* The comparison view: for the chosen image, each lossy codec's setting nearest the target bpp. */
const cropImages = DATA.images.map((im, i) => ({im, i})).filter(o => o.im.crop && CROPS[o.im.crop.file]);
function nearest(ii, codec, target) {
    let best = null, bd = Infinity;
    DATA.entries.forEach((e, ei) => {
        if (e.codec !== codec || e.lossless || !e.crops || !e.crops[ii] || !CROPS[e.crops[ii]]) return;
        const r = rowsBy[ii][ei];
        if (!r || r.status !== 'ok') return;
        const d = Math.abs(Math.log(r.bpp / target));
        if (d < bd) { bd = d; best = {e, r, src: CROPS[e.crops[ii]]}; }
    });
    return best;
}

function drawCompare() {
    const view = $('compare-view');
    if (!cropImages.length) { view.textContent = 'No image crops in this run (bench with --out and --crops).'; return; }
    const ii = +$('cmp-image').value, im = DATA.images[ii], zoom = +$('cmp-zoom').value;
    const target = Math.pow(2, +$('cmp-bpp').value), mode = $('cmp-mode').value;
    $('cmp-bpp-val').textContent = target.toFixed(3) + ' bpp';
    const lossyCodecs = codecs.filter(c => DATA.entries.some(e => e.codec === c && !e.lossless && e.crops && e.crops[ii]));
    $('cmp-slider-codec-box').style.display = mode === 'slider' ? '' : 'none';
    const sel = $('cmp-codec');
    if (sel.options.length !== lossyCodecs.length) {
        const keep = sel.value;
        sel.innerHTML = lossyCodecs.map(c => `<option>${esc(c)}</option>`).join('');
        if (lossyCodecs.includes(keep)) sel.value = keep;
    }
    const w = im.crop.w * zoom, h = im.crop.h * zoom, orig = CROPS[im.crop.file];
    const vw = Math.min(w, 560), vh = Math.min(h, 560);
    let html = '';
    if (mode === 'grid') {
        html += `<div class='grid'>`;
        html += `<div class='cell'><div class='viewport' style='width:${vw}px;height:${vh}px'><img class='crop' src='${orig}' width='${w}' height='${h}' alt='original'></div><div class='cap'><b>original</b> ${esc(im.name)} (${im.crop.x},${im.crop.y}) ${im.crop.w}x${im.crop.h}</div></div>`;
        for (const c of lossyCodecs) {
            const n = nearest(ii, c, target);
            if (!n) continue;
            html += `<div class='cell'><div class='viewport' style='width:${vw}px;height:${vh}px'><img class='crop' src='${n.src}' width='${w}' height='${h}' alt='${esc(c)}'></div>` +
                `<div class='cap'>${swatch(c)}<b>${esc(c)}</b> ${esc(n.e.setting)}<br>${fmt(n.r.bpp, 3)} bpp, ${fmt(n.r.psnr, 2)} dB, SSIM ${fmt(n.r.ssim, 4)}</div></div>`;
        }
        html += '</div>';
        view.innerHTML = html;
        /* Scroll the zoomed viewports together. */
        const ports = [...view.querySelectorAll('.viewport')];
        ports.forEach(p => p.addEventListener('scroll', () => {
            for (const q of ports) if (q !== p) { q.scrollLeft = p.scrollLeft; q.scrollTop = p.scrollTop; }
        }));
    } else {
        const n = nearest(ii, sel.value, target);
        if (!n) { view.textContent = 'No crop for this codec.'; return; }
        view.innerHTML = `<div class='slider-box' id='slider-box' style='width:${w}px;height:${h}px'>` +
            `<img src='${orig}' width='${w}' height='${h}' alt='original'>` +
            `<img class='top' id='slider-top' src='${n.src}' width='${w}' height='${h}' alt='${esc(sel.value)}'>` +
            `<div class='bar' id='slider-bar'></div></div>` +
            `<div class='cap'>left: ${swatch(sel.value)}<b>${esc(sel.value)}</b> ${esc(n.e.setting)}, ${fmt(n.r.bpp, 3)} bpp, ${fmt(n.r.psnr, 2)} dB &nbsp; | &nbsp; right: <b>original</b>. Move the mouse over the image to move the split.</div>`;
        const box = $('slider-box'), top = $('slider-top'), bar = $('slider-bar');
        const set = f => { top.style.clipPath = `inset(0 ${(100 - f * 100).toFixed(2)}% 0 0)`; bar.style.left = (f * w) + 'px'; };
        set(0.5);
        box.addEventListener('mousemove', ev => { const r = box.getBoundingClientRect(); set(Math.min(Math.max((ev.clientX - r.left) / r.width, 0), 1)); });
    }
}

function drawNotes() {
    const items = [];
    const seen = new Set();
    for (const e of DATA.entries) if (e.note && !seen.has(e.codec)) { seen.add(e.codec); items.push(`${esc(e.codec)}: ${esc(e.note)}`); }
    for (const r of DATA.rows) if (r.status === 'failed') items.push(`<span class='bad'>failed</span>: ${esc(DATA.images[r.image].name)} ${esc(DATA.entries[r.entry].codec)} ${esc(DATA.entries[r.entry].setting)}: ${esc(r.note || '')}`);
    $('notes').innerHTML = items.length ? '<ul><li>' + items.join('</li><li>') + '</li></ul>' : '<p>Every codec ran on every image.</p>';
}

$('meta').textContent = `${DATA.images.length} image${DATA.images.length === 1 ? '' : 's'} · ${codecs.length} codecs · median of ${DATA.repeat} run${DATA.repeat === 1 ? '' : 's'} · imz ${DATA.imz_version}` + (DATA.ref ? ` · BD-rate reference ${DATA.ref}` : '');
$('cmp-image').innerHTML = cropImages.map(o => `<option value='${o.i}'>${esc(o.im.name)}</option>`).join('');
for (const id of ['rd-metric', 'rd-logx']) $(id).addEventListener('change', drawRD);
$('speed-kind').addEventListener('change', drawSpeed);
for (const id of ['cmp-image', 'cmp-bpp', 'cmp-zoom', 'cmp-mode', 'cmp-codec']) $(id).addEventListener('input', drawCompare);
if (!DATA.entries.some(e => e.lossless && e.images > 0)) $('speed-kind').value = 'lossy';
let resizeTimer = 0;
window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => { drawRD(); drawSpeed(); }, 150); });
drawRD();
drawTables();
drawSpeed();
drawCompare();
drawNotes();
document.body.setAttribute('data-rendered', 'yes');
