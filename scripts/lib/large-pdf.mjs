/**
 * A valid one-page PDF of any size (issue 14 "PDF streamed"; the bench and the 1 GB integration test): the page's
 * resources hold a form XObject carrying `dataBytes` — the shape of a scanned document's image. The data is written
 * as "q Q" operators, or left a file HOLE (`sparse`: zeros the file system does not store, so a 1 GB file costs no
 * disk and no time). Zeros are white space in a content stream [ISO 32000-1 §7.2.2], so either way the XObject is a
 * valid, empty drawing, referenced from the page (no "unreferenced content" warning) but never painted. The page
 * shows `text` at `textAt` so a stamp anchor and a text check have something to find.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** @returns {number} the file's size in bytes */
export function writeLargePdf(path, dataBytes, { sparse, text = 'Kyso benchmark', textAt = '72 760' }) {
  const offsets = [];
  let head = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const object = (body) => { offsets.push(head.length); head += `${offsets.length} 0 obj\n${body}\nendobj\n`; };
  const content = `BT /F1 14 Tf ${textAt} Td (${text}) Tj ET`;
  object('<< /Type /Catalog /Pages 2 0 R >>');
  object('<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  object('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /Big 6 0 R >> >> >>');
  object(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  object('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  offsets.push(head.length);
  head += `6 0 obj\n<< /Type /XObject /Subtype /Form /BBox [0 0 1 1] /Length ${dataBytes} >>\nstream\n`;
  const dataEnd = head.length + dataBytes;
  let tail = '\nendstream\nendobj\n';
  const xrefAt = dataEnd + tail.length;
  tail += `xref\n0 7\n0000000000 65535 f\r\n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n\r\n`).join('')}`;
  tail += `trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, Buffer.from(head, 'latin1'), 0, head.length, 0);
    if (!sparse) {
      const chunk = Buffer.alloc(1 << 20, 'q Q\n');
      for (let at = 0; at < dataBytes; at += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, dataBytes - at), head.length + at);
    }
    // Writing the tail past the data leaves the data a hole when nothing was written there.
    writeSync(fd, Buffer.from(tail, 'latin1'), 0, tail.length, dataEnd);
  } finally {
    closeSync(fd);
  }
  return dataEnd + tail.length;
}
