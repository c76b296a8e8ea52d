/**
 * Where a signature stamp became visible: render a page with poppler's pdftoppm before and after signing and
 * find the pixels that changed. Rendered with -cropbox: what viewers show (pdftoppm otherwise draws the MediaBox). Boxes are in DISPLAY points (origin bottom-left of the page as shown, i.e. of the
 * CropBox turned by /Rotate), so a test compares them with the box the person was promised.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizePdf } from '../../native-host/documents/pdf-summary.js';
import { loadPdfJs } from '../../native-host/formats/pdf/appearance/find-text-anchor.js';

const run = promisify(execFile);
export const RENDER_DPI = 50;
const PT_PER_PX = 72 / RENDER_DPI;

export interface Raster { readonly width: number; readonly height: number; readonly rgb: Uint8Array }
export interface DisplayBox { readonly x: number; readonly y: number; readonly width: number; readonly height: number }

export async function renderPage(pdf: Uint8Array, pageNumber: number): Promise<Raster> {
  const dir = await mkdtemp(join(tmpdir(), 'kyso-render-'));
  try {
    await writeFile(join(dir, 'in.pdf'), pdf);
    await run('pdftoppm', ['-cropbox', '-r', String(RENDER_DPI), '-f', String(pageNumber), '-l', String(pageNumber), '-singlefile', join(dir, 'in.pdf'), join(dir, 'out')]);
    return parsePpm(new Uint8Array(await readFile(join(dir, 'out.ppm'))));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Changed pixels between two renderings of the same page, and their bounding box in display points. */
export function changedBox(before: Raster, after: Raster): { count: number; box?: DisplayBox } {
  if (before.width !== after.width || before.height !== after.height) throw new Error('renderings differ in size');
  let count = 0;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let y = 0; y < after.height; y++) {
    for (let x = 0; x < after.width; x++) {
      const i = (y * after.width + x) * 3;
      const d = Math.max(Math.abs(before.rgb[i]! - after.rgb[i]!), Math.abs(before.rgb[i + 1]! - after.rgb[i + 1]!), Math.abs(before.rgb[i + 2]! - after.rgb[i + 2]!));
      if (d <= 40) continue;
      count++;
      minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
    }
  }
  if (count === 0) return { count };
  // Image rows run top-down; display y runs bottom-up.
  return { count, box: { x: minX * PT_PER_PX, y: (after.height - 1 - maxY) * PT_PER_PX, width: (maxX - minX + 1) * PT_PER_PX, height: (maxY - minY + 1) * PT_PER_PX } };
}

/** `inner` lies within `outer`, with `tolerance` points (two pixels at 50 dpi by default) for anti-aliasing. */
export function within(inner: DisplayBox, outer: DisplayBox, tolerance = 2 * PT_PER_PX): boolean {
  return inner.x >= outer.x - tolerance && inner.y >= outer.y - tolerance
    && inner.x + inner.width <= outer.x + outer.width + tolerance && inner.y + inner.height <= outer.y + outer.height + tolerance;
}

/**
 * The box the consent window draws, in display points: host.documentInfo's summary (summarizePdf) through pdf.js's
 * viewport, exactly as extension/ui/consent/preview/pdf-preview.ts converts it.
 */
export async function previewBox(pdf: Uint8Array, options: Parameters<typeof summarizePdf>[1]): Promise<DisplayBox & { page: number }> {
  const summary = await summarizePdf(pdf, options);
  const stamp = summary.stamp!;
  const pdfjs = await loadPdfJs();
  const task = pdfjs.getDocument({ data: new Uint8Array(pdf), isEvalSupported: false, verbosity: 0 });
  try {
    const doc = await task.promise;
    const viewport = (await doc.getPage(stamp.page)).getViewport({ scale: 1 });
    const r = stamp.rect;
    const [ax, ay, bx, by] = viewport.convertToViewportRectangle([r.x, r.y, r.x + r.width, r.y + r.height]);
    // Viewport y runs top-down.
    return { page: stamp.page, x: Math.min(ax, bx), y: viewport.height - Math.max(ay, by), width: Math.abs(bx - ax), height: Math.abs(by - ay) };
  } finally {
    await task.destroy();
  }
}

/** A copy of the raster with `boxes` (display points; `pageHeight` the displayed page's height) painted white, to compare everything outside them. */
export function maskOut(r: Raster, boxes: readonly DisplayBox[], pageHeight = 842): Raster {
  const out = new Uint8Array(r.rgb);
  const s = RENDER_DPI / 72;
  for (const box of boxes) {
    for (let y = Math.max(0, Math.floor((pageHeight - box.y - box.height) * s) - 2); y < Math.min(r.height, Math.ceil((pageHeight - box.y) * s) + 2); y++) {
      for (let x = Math.max(0, Math.floor(box.x * s) - 2); x < Math.min(r.width, Math.ceil((box.x + box.width) * s) + 2); x++) out.fill(255, (y * r.width + x) * 3, (y * r.width + x) * 3 + 3);
    }
  }
  return { ...r, rgb: out };
}

function parsePpm(bytes: Uint8Array): Raster {
  const header = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(header);
  if (!m) throw new Error('not a binary PPM');
  return { width: Number(m[1]), height: Number(m[2]), rgb: bytes.subarray(m[0].length) };
}
