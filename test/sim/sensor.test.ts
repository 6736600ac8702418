import { afterEach, describe, expect, it } from 'vitest';
import { scripted, type Scripted } from './scripted.js';

/** Prints what each call returned, or the exception it raised (type and text), one line per call. */
const PROBE = `
import sensor

def probe(label, f):
    try:
        print("%s -> %r" % (label, f()))
    except Exception as e:
        print("%s !! %s: %s" % (label, type(e).__name__, e))

CALLS
print("done")
`;

async function probe(calls: string, board?: 'H7' | 'NICLA'): Promise<{ cam: Scripted; out: Record<string, string> }> {
  const cam = await scripted(PROBE.replace('CALLS', calls), board ? { board } : {});
  await cam.line(/^done$/);
  const out: Record<string, string> = {};
  for (const l of cam.lines) {
    const m = /^(\S+) (->|!!) (.*)$/.exec(l);
    if (m) out[m[1]!] = `${m[2]} ${m[3]}`;
  }
  return { cam, out };
}

describe('the emulated sensor module behaves like the firmware\'s', () => {
  const cams: Scripted[] = [];
  afterEach(async () => {
    for (const c of cams.splice(0)) await c.camera.stop();
  });

  it('set_framerate takes whole numbers only (mp_obj_get_int); get_framerate raises until a rate is set', async () => {
    const { cam, out } = await probe(`
probe("reset", sensor.reset)
probe("get0", sensor.get_framerate)
probe("float", lambda: sensor.set_framerate(7.5))
probe("int", lambda: sensor.set_framerate(8))
probe("get8", sensor.get_framerate)
probe("negative", lambda: sensor.set_framerate(-1))
`);
    cams.push(cam);
    expect(out.get0).toBe('!! RuntimeError: Frame rate is not supported or is not set.');
    expect(out.float).toBe("!! TypeError: can't convert float to int");
    expect(out.int).toBe('-> None');
    expect(out.get8).toBe('-> 8');
    expect(out.negative).toBe('!! RuntimeError: An invalid argument is used.');
  });

  it('a pixformat the sensor cannot make is a RuntimeError, as every CSI failure (py_csi.c:58)', async () => {
    const { cam, out } = await probe(`
probe("jpeg", lambda: sensor.set_pixformat(sensor.JPEG))
probe("gray", lambda: sensor.set_pixformat(sensor.GRAYSCALE))
probe("id", sensor.get_id)
`, 'NICLA');
    cams.push(cam);
    expect(out.jpeg).toBe('!! RuntimeError: Sensor control failed.');
    expect(out.gray).toBe('-> None');
    expect(out.id).toBe(`-> ${0x21}`); // GC2145_ID
  });

  it('controls the sensor lacks print a warning and return None; reading them back is a RuntimeError', async () => {
    const { cam, out } = await probe(`
probe("gain", lambda: sensor.set_auto_gain(False, gain_db=6))
probe("gain_back", sensor.get_gain_db)
probe("exposure", lambda: sensor.set_auto_exposure(False, exposure_us=8000))
probe("exposure_back", sensor.get_exposure_us)
`, 'NICLA');
    cams.push(cam);
    expect(out.gain).toBe('-> None');
    expect(cam.lines).toContain('\x1b[31mWARNING: Auto Gain control is not supported by this image sensor.\x1b[0m');
    expect(out.gain_back).toBe('!! RuntimeError: The requested operation is not supported by the image sensor.');
    expect(out.exposure).toBe('-> None'); // the GC2145 sets exposure but cannot report it
    expect(out.exposure_back).toBe('!! RuntimeError: The requested operation is not supported by the image sensor.');
  });

  it('a sensor with the controls reads back what was set (OV5640 on the H7)', async () => {
    const { cam, out } = await probe(`
probe("exposure", lambda: sensor.set_auto_exposure(False, exposure_us=8000))
probe("exposure_back", sensor.get_exposure_us)
probe("gain", lambda: sensor.set_auto_gain(False, gain_db=6))
probe("gain_back", sensor.get_gain_db)
probe("float_exposure", lambda: sensor.set_auto_exposure(False, exposure_us=80.5))
probe("id", sensor.get_id)
`);
    cams.push(cam);
    expect(out.exposure_back).toBe('-> 8000');
    expect(out.gain_back).toBe('-> 6.0');
    expect(out.float_exposure).toBe("!! TypeError: can't convert float to int");
    expect(out.id).toBe(`-> ${0x56}`); // OV5640_ID, as the probe reads it (common/omv_csi.c:419-422)
    expect(cam.lines.some((l) => l.includes('WARNING'))).toBe(false);
  });
});
