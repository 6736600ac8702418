import { HW_CAPS_PMU_SHIFT, HwCap } from '../../protocol/v2/index.js';
import type { ScenePixformat } from './scene.js';

/**
 * The image sensor a board profile carries, as far as the device scripts can tell sensors apart: which pixformats
 * its driver accepts (of those the virtual scene can render), and which exposure and gain controls its driver
 * implements. `rw`: set_auto_* and get_* both exist; `w`: only set_auto_*; null: neither (the firmware then prints a
 * warning, modules/py_csi.c:59). No modelled driver implements set_framerate failures: the firmware throttles frames
 * in software for those without one (common/omv_csi.c:890-897).
 */
export interface SensorModel {
  name: string;
  /** omv_csi_get_id(): what the probe read (common/omv_csi.c:402-489), the ids of common/omv_csi.h. */
  chipId: number;
  pixformats: readonly ScenePixformat[];
  exposure: 'rw' | 'w' | null;
  gain: 'rw' | null;
}

export interface BoardProfile {
  /** The --board name. */
  id: string;
  product: string;
  /** The firmware's boards/<dir> this profile is read from. */
  firmwareBoard: string;
  /** OMV_BOARD_ARCH and OMV_BOARD_TYPE (board_config.h), what omv.arch() and omv.board_type() return. */
  arch: string;
  type: string;
  /** OMV_USB_VID / OMV_USB_PID (board_config.mk). */
  usbVid: number;
  usbPid: number;
  /** SCB->CPUID of the board's MCU core. */
  cpuId: number;
  /** OMV_PROTOCOL_HW_CAPS (board_config.h), word 0. */
  hwCaps: number;
  /** OMV_PROTOCOL_MAX_BUFFER_SIZE: the receive buffer; the largest payload is this - 14 (omv_protocol.h:67-71). */
  bufferSize: number;
  /** OMV_PROTOCOL_STDIO_BUFFER_SIZE: the stdout ring (omv_protocol_channel_stdio.c:39-41 defaults it to 1024). */
  stdioBufferSize: number;
  usbSpeed: 'full' | 'high';
  /** Bytes per second the emulated USB link carries, both directions together. */
  linkBytesPerS: number;
  sensor: SensorModel;
}

/** USB 2.0 full speed: 19 bulk packets of 64 bytes per 1 ms frame at best (1.216 MB/s); about 1 MB/s in practice. */
export const FULL_SPEED_BYTES_PER_S = 1_000_000;
/** USB 2.0 high speed: OpenMV measured 25.65 MB/s bursts with 4 KiB buffers (openmv/openmv #2261). */
export const HIGH_SPEED_BYTES_PER_S = 25_000_000;

/** drivers/sensors/ov5640.c:1440-1443 (gain and exposure, set and get); JPEG from its own encoder. */
const OV5640: SensorModel = { name: 'OV5640', chipId: 0x56, pixformats: ['GRAYSCALE', 'RGB565', 'JPEG'], exposure: 'rw', gain: 'rw' };
/** drivers/sensors/gc2145.c: set_auto_exposure only, no gain control, no JPEG (set_pixformat: :796-811). */
const GC2145: SensorModel = { name: 'GC2145', chipId: 0x21, pixformats: ['GRAYSCALE', 'RGB565'], exposure: 'w', gain: null };
/** drivers/sensors/hm01b0.c: monochrome (set_pixformat takes GRAYSCALE and BAYER only), gain and exposure. */
const HM01B0: SensorModel = { name: 'HM01B0', chipId: 0xb0, pixformats: ['GRAYSCALE'], exposure: 'rw', gain: 'rw' };
/** drivers/sensors/pag7936.c: RGB565, BAYER, GRAYSCALE (set_pixformat :579-584), gain and exposure. */
const PAG7936: SensorModel = { name: 'PAG7936', chipId: 0x7936, pixformats: ['GRAYSCALE', 'RGB565'], exposure: 'rw', gain: 'rw' };

/** A Cortex-M7 r1p1 (STM32H7, i.MX RT1062). */
const CORTEX_M7 = 0x411fc271;
/** A Cortex-M55 (part number 0xD22: STM32N6, Alif E3); the revision digits are not taken from a board. */
const CORTEX_M55 = 0x411fd220;
/** A Cortex-M55 has 8 PMU event counters, counted in hw_caps bits 8-15 (omv_protocol_hw_caps.h, PMU_EVENTCNT). */
const M55_PMU = HwCap.PMU | (8 << HW_CAPS_PMU_SHIFT);

const H = HwCap;

/**
 * The boards `omvd sim --board` plays, from the firmware's boards/<dir>/board_config.h and board_config.mk at
 * cbbb877e. The sensor is the one each board ships with, except the H7, whose OV5640 module (OMV_OV5640_ENABLE,
 * OPENMV4 board_config.h:47) stands in for the stock OV7725 so the virtual H7 also makes JPEG.
 */
export const BOARDS = {
  H7: {
    id: 'H7', product: 'OpenMV Cam H7', firmwareBoard: 'OPENMV4', arch: 'OMV4 H7 1024', type: 'H7', usbVid: 0x37c5, usbPid: 0x1204, cpuId: CORTEX_M7,
    hwCaps: H.JPEG | H.CRC | H.SD, bufferSize: 512, stdioBufferSize: 512, usbSpeed: 'full', linkBytesPerS: FULL_SPEED_BYTES_PER_S, sensor: OV5640,
  },
  H7P: {
    id: 'H7P', product: 'OpenMV Cam H7 Plus', firmwareBoard: 'OPENMV4P', arch: 'OMV4P H7 32768 SDRAM', type: 'H7', usbVid: 0x37c5, usbPid: 0x124a, cpuId: CORTEX_M7,
    hwCaps: H.JPEG | H.DRAM | H.CRC | H.SD, bufferSize: 4096, stdioBufferSize: 1024, usbSpeed: 'full', linkBytesPerS: FULL_SPEED_BYTES_PER_S, sensor: OV5640,
  },
  RT1062: {
    id: 'RT1062', product: 'OpenMV Cam RT1062', firmwareBoard: 'OPENMV_RT1060', arch: 'OMVRT1060 32768 SDRAM', type: 'IMXRT1060', usbVid: 0x37c5, usbPid: 0x1060, cpuId: CORTEX_M7,
    hwCaps: H.DRAM | H.WIFI | H.BT | H.SD | H.ETH | H.USB_HS, bufferSize: 4096, stdioBufferSize: 1024, usbSpeed: 'high', linkBytesPerS: HIGH_SPEED_BYTES_PER_S, sensor: OV5640,
  },
  N6: {
    id: 'N6', product: 'OpenMV Cam N6', firmwareBoard: 'OPENMV_N6', arch: 'OpenMV N6', type: 'N6', usbVid: 0x37c5, usbPid: 0x1206, cpuId: CORTEX_M55,
    hwCaps: H.GPU | H.NPU | H.ISP | H.VENC | H.JPEG | H.DRAM | H.CRC | M55_PMU | H.WIFI | H.BT | H.SD | H.ETH | H.USB_HS,
    bufferSize: 8192, stdioBufferSize: 2048, usbSpeed: 'high', linkBytesPerS: HIGH_SPEED_BYTES_PER_S, sensor: PAG7936,
  },
  AE3: {
    id: 'AE3', product: 'OpenMV AE3', firmwareBoard: 'OPENMV_AE3', arch: 'OPENMV AE3', type: 'AE3', usbVid: 0x37c5, usbPid: 0x16e3, cpuId: CORTEX_M55,
    hwCaps: H.GPU | H.NPU | H.CRC | M55_PMU | H.WIFI | H.BT | H.SD | H.ETH | H.USB_HS | H.MULTICORE,
    bufferSize: 8192, stdioBufferSize: 2048, usbSpeed: 'high', linkBytesPerS: HIGH_SPEED_BYTES_PER_S, sensor: PAG7936,
  },
  NICLA: {
    id: 'NICLA', product: 'Arduino Nicla Vision', firmwareBoard: 'ARDUINO_NICLA_VISION', arch: 'NICLAV H7 1024', type: 'NICLAV', usbVid: 0x2341, usbPid: 0x045f, cpuId: CORTEX_M7,
    hwCaps: H.JPEG | H.DRAM | H.CRC | H.WIFI | H.BT | H.SD | H.ETH | H.USB_HS, bufferSize: 4096, stdioBufferSize: 512, usbSpeed: 'high', linkBytesPerS: HIGH_SPEED_BYTES_PER_S, sensor: GC2145,
  },
  PORTENTA: {
    id: 'PORTENTA', product: 'Arduino Portenta H7', firmwareBoard: 'ARDUINO_PORTENTA_H7', arch: 'PORTENTA H7 8192 SDRAM', type: 'H7', usbVid: 0x2341, usbPid: 0x045b, cpuId: CORTEX_M7,
    hwCaps: H.JPEG | H.DRAM | H.CRC | H.WIFI | H.BT | H.SD | H.ETH | H.USB_HS, bufferSize: 4096, stdioBufferSize: 1024, usbSpeed: 'high', linkBytesPerS: HIGH_SPEED_BYTES_PER_S, sensor: HM01B0,
  },
} as const satisfies Record<string, BoardProfile>;

export type BoardId = keyof typeof BOARDS;
export const BOARD_IDS = Object.keys(BOARDS) as BoardId[];
/** The most common camera. */
export const DEFAULT_BOARD: BoardId = 'H7';

export function isBoardId(name: string): name is BoardId {
  return Object.hasOwn(BOARDS, name);
}
