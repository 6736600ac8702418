/** The live view's page: one canvas per camera, redrawn from /frame/<id>.jpg, and the session status. */
export const VIEW_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>omvd live view</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 1rem; background: #111; color: #eee; }
  .cams { display: flex; flex-wrap: wrap; gap: 1rem; }
  figure { margin: 0; }
  canvas { background: #222; image-rendering: pixelated; max-width: 90vw; }
  figcaption { margin-top: .3rem; font-variant-numeric: tabular-nums; }
</style>
</head>
<body data-drawn="0">
<h1>omvd live view</h1>
<div class="cams" id="cams"></div>
<script>
const cams = new Map();
let drawn = 0;
function figure(id) {
  let c = cams.get(id);
  if (c) return c;
  const fig = document.createElement('figure');
  const canvas = document.createElement('canvas');
  const caption = document.createElement('figcaption');
  fig.append(canvas, caption);
  document.getElementById('cams').append(fig);
  c = { canvas, caption, busy: false, seq: -1 };
  cams.set(id, c);
  return c;
}
function draw(id, c, seq) {
  if (c.busy || seq === c.seq) return;
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
    c.seq = seq;
    c.busy = false;
  };
  img.onerror = () => { c.busy = false; };
  img.src = '/frame/' + id + '.jpg?seq=' + seq;
}
async function tick() {
  try {
    const s = await (await fetch('/status')).json();
    for (const cam of s.cameras) {
      const c = figure(cam.camera);
      c.caption.textContent = cam.camera + ': ' + cam.frames + ' frames, ' + cam.fps.toFixed(1) + ' fps, ' + cam.dropped + ' dropped';
      if (cam.seq >= 0) draw(cam.camera, c, cam.seq);
    }
  } catch (e) {}
  setTimeout(tick, 100);
}
tick();
</script>
</body>
</html>
`;
