/**
 * The live view's page: one canvas per camera port, redrawn from each camera's `frame` URL, with its state, port,
 * board, format, size, rate and drops. `statusUrl` (relative to the page) lists the cameras: `omvd view`'s own
 * server and the daemon's serve the same entries (CameraStatus).
 */
export function viewPage(statusUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>omvd live view</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 1rem; background: #111; color: #eee; }
  .cams { display: flex; flex-wrap: wrap; gap: 1rem; }
  figure { margin: 0; }
  canvas { background: #222; image-rendering: pixelated; max-width: 90vw; width: 320px; }
  figcaption { margin-top: .3rem; font-variant-numeric: tabular-nums; max-width: 40rem; }
  figure:not([data-state=live]) canvas { opacity: .35; }
  figure[data-state=disconnected] figcaption { color: #f88; }
</style>
</head>
<body data-drawn="0">
<h1>omvd live view</h1>
<p id="none">waiting for cameras: plug one in, or name its port with --port</p>
<div class="cams" id="cams"></div>
<script>
const STATUS = ${JSON.stringify(statusUrl)};
const cams = new Map();
let drawn = 0;
function figure(port) {
  let c = cams.get(port);
  if (c) return c;
  const fig = document.createElement('figure');
  const canvas = document.createElement('canvas');
  const caption = document.createElement('figcaption');
  fig.append(canvas, caption);
  document.getElementById('cams').append(fig);
  c = { fig, canvas, caption, busy: false, seq: -1, drawn: 0 };
  cams.set(port, c);
  return c;
}
function describe(cam) {
  const who = (cam.camera ? cam.camera + ': ' : '') + (cam.board ? cam.board + ', ' : '');
  const size = cam.framesize + (cam.width ? ' ' + cam.width + '×' + cam.height : '');
  if (cam.state === 'live') return cam.port + ' — ' + who + 'live, ' + cam.pixformat + ' ' + size + ', ' + cam.frames + ' frames, ' + cam.fps.toFixed(1) + ' fps, ' + cam.dropped + ' dropped';
  return cam.port + ' — ' + who + cam.state + ', ' + cam.pixformat + ' ' + size + (cam.error ? ' (' + cam.error + ')' : '') + (cam.state === 'disconnected' ? '; retrying' : '');
}
function draw(c, cam) {
  if (c.busy || cam.seq === c.seq) return;
  c.busy = true;
  const img = new Image();
  img.onload = () => {
    c.canvas.width = img.naturalWidth;
    c.canvas.height = img.naturalHeight;
    const g = c.canvas.getContext('2d');
    g.drawImage(img, 0, 0);
    const px = g.getImageData(0, 0, c.canvas.width, c.canvas.height).data;
    let sum = 0;
    for (let i = 0; i < px.length; i += 4) sum += px[i];
    document.body.dataset.mean = String(Math.round(sum / (px.length / 4)));
    document.body.dataset.drawn = String(++drawn);
    c.fig.dataset.drawn = String(++c.drawn);
    c.seq = cam.seq;
    c.busy = false;
  };
  img.onerror = () => { c.busy = false; };
  img.src = cam.frame + '?seq=' + cam.seq;
}
async function tick() {
  try {
    const s = await (await fetch(STATUS, { cache: 'no-store' })).json();
    document.getElementById('none').hidden = s.cameras.length > 0;
    for (const cam of s.cameras) {
      const c = figure(cam.port);
      c.fig.dataset.state = cam.state;
      c.fig.dataset.port = cam.port;
      c.caption.textContent = describe(cam);
      if (cam.state === 'live' && cam.seq >= 0) draw(c, cam);
    }
  } catch (e) {}
  setTimeout(tick, 100);
}
tick();
</script>
</body>
</html>
`;
}
