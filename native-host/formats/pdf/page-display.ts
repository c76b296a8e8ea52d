/**
 * A page as a viewer shows it: the visible area is the CropBox clipped to the MediaBox [ISO 32000-1 §14.11.2:
 * "the CropBox defines the region to which the contents of the page shall be clipped when displayed"], turned
 * clockwise by /Rotate [§7.7.3.3 Table 30]. Placement works in DISPLAY coordinates — points, origin at the
 * bottom-left corner of the page as displayed, x right, y up — so "bottom-right corner", "below the text" and a
 * caller's rectangle mean what the person sees; this module maps them to user space for the widget's /Rect.
 */
import type { PDFPage } from 'pdf-lib';
import type { PdfRect } from './pdf-signature-options.js';

export interface PageDisplay {
  /** The visible area in user space (CropBox ∩ MediaBox). */
  readonly visible: PdfRect;
  /** 0, 90, 180 or 270 (a /Rotate that is not a multiple of 90 is ignored by readers, so treated as 0). */
  readonly rotation: 0 | 90 | 180 | 270;
  /** The displayed page's size (the visible area's sides, swapped on a quarter turn). */
  readonly width: number;
  readonly height: number;
}

export interface Point { readonly x: number; readonly y: number }

export function pageDisplay(page: PDFPage): PageDisplay {
  const media = normalise(page.getMediaBox());
  const crop = normalise(page.getCropBox());
  const x0 = Math.max(media.x, crop.x);
  const y0 = Math.max(media.y, crop.y);
  const x1 = Math.min(media.x + media.width, crop.x + crop.width);
  const y1 = Math.min(media.y + media.height, crop.y + crop.height);
  // A CropBox outside the MediaBox shows nothing; readers then fall back to the MediaBox.
  const visible = x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : media;
  const angle = ((page.getRotation().angle % 360) + 360) % 360;
  const rotation = (angle % 90 === 0 ? angle : 0) as 0 | 90 | 180 | 270;
  const quarter = rotation === 90 || rotation === 270;
  return { visible, rotation, width: quarter ? visible.height : visible.width, height: quarter ? visible.width : visible.height };
}

/** Display point → user space. */
export function displayToUser(d: PageDisplay, p: Point): Point {
  const { x: x0, y: y0 } = d.visible;
  const x1 = x0 + d.visible.width;
  const y1 = y0 + d.visible.height;
  switch (d.rotation) {
    case 0: return { x: x0 + p.x, y: y0 + p.y };
    case 90: return { x: x1 - p.y, y: y0 + p.x };
    case 180: return { x: x1 - p.x, y: y1 - p.y };
    case 270: return { x: x0 + p.y, y: y1 - p.x };
  }
}

/** User-space point → display. */
export function userToDisplay(d: PageDisplay, p: Point): Point {
  const { x: x0, y: y0 } = d.visible;
  const x1 = x0 + d.visible.width;
  const y1 = y0 + d.visible.height;
  switch (d.rotation) {
    case 0: return { x: p.x - x0, y: p.y - y0 };
    case 90: return { x: p.y - y0, y: x1 - p.x };
    case 180: return { x: x1 - p.x, y: y1 - p.y };
    case 270: return { x: y1 - p.y, y: p.x - x0 };
  }
}

/** A display rectangle as the user-space rectangle a widget /Rect needs (sides swap on a quarter turn). */
export function displayRectToUser(d: PageDisplay, r: PdfRect): PdfRect {
  const a = displayToUser(d, { x: r.x, y: r.y });
  const b = displayToUser(d, { x: r.x + r.width, y: r.y + r.height });
  return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), width: Math.abs(b.x - a.x), height: Math.abs(b.y - a.y) };
}

/** Inside the displayed page, with half a point of tolerance for rounding. */
export function fitsDisplay(d: PageDisplay, r: PdfRect): boolean {
  return r.x >= -0.5 && r.y >= -0.5 && r.x + r.width <= d.width + 0.5 && r.y + r.height <= d.height + 0.5;
}

function normalise(r: PdfRect): PdfRect {
  return { x: Math.min(r.x, r.x + r.width), y: Math.min(r.y, r.y + r.height), width: Math.abs(r.width), height: Math.abs(r.height) };
}
