// Demo: signing whole documents (PDF, XML, CMS) through Kyso. The file never leaves the person's computer
// except to the Kyso host (in chunks); the portal gets the signed file back and offers it for download.
import { signPdf, signXml, signCms, signBatch, KysoError } from '/sdk/kyso.js';

const section = document.createElement('section');
section.id = 'documents';
section.innerHTML = `
  <h2>5. Ký tài liệu (PDF, XML, CMS)</h2>
  <p class="hint">Tài liệu được chuyển theo từng phần tới Kyso trên máy của bạn; cửa sổ Kyso hiển thị tên tệp, kích thước, mã SHA-256 và bản xem trước.</p>
  <label for="doc-files">Chọn một hoặc nhiều tệp (nhiều tệp = ký hàng loạt, một lần nhập PIN)</label>
  <input type="file" id="doc-files" data-testid="doc-files" multiple>
  <label for="doc-kind">Loại chữ ký</label>
  <select id="doc-kind" data-testid="doc-kind">
    <option value="auto">Tự nhận theo đuôi tệp (.pdf → PDF, .xml → XML, khác → CMS)</option>
    <option value="pdf">PDF (PAdES, có hình chữ ký)</option>
    <option value="xml">XML (XML-DSig / XAdES)</option>
    <option value="cms">CMS / CAdES (tệp .p7s tách rời)</option>
  </select>
  <fieldset id="pdf-options">
    <legend>Tuỳ chọn PDF</legend>
    <label for="pdf-page">Trang đặt chữ ký (để trống = trang cuối)</label>
    <input type="text" id="pdf-page" data-testid="pdf-page" inputmode="numeric">
    <label for="pdf-anchor">Đặt chữ ký dưới dòng chữ (tuỳ chọn, ví dụ "Nơi nhận")</label>
    <input type="text" id="pdf-anchor" data-testid="pdf-anchor">
    <label for="pdf-reason">Lý do ký</label>
    <input type="text" id="pdf-reason" data-testid="pdf-reason" value="Phê duyệt">
    <label for="pdf-location">Nơi ký</label>
    <input type="text" id="pdf-location" data-testid="pdf-location" value="Hà Nội">
    <label><input type="checkbox" id="pdf-invisible" data-testid="pdf-invisible"> Chữ ký ẩn (không có hình trên trang)</label>
  </fieldset>
  <fieldset id="xml-options">
    <legend>Tuỳ chọn XML</legend>
    <label for="xml-ref">Id phần tử cần ký (hoá đơn điện tử: "data"; để trống = cả tài liệu)</label>
    <input type="text" id="xml-ref" data-testid="xml-ref">
    <label for="xml-parent">Vị trí chữ ký (ví dụ "DSCKS/NBan"; để trống = phần tử gốc)</label>
    <input type="text" id="xml-parent" data-testid="xml-parent">
    <label><input type="checkbox" id="xml-xades" data-testid="xml-xades"> XAdES-BES</label>
  </fieldset>
  <fieldset id="cms-options">
    <legend>Tuỳ chọn CMS</legend>
    <label><input type="checkbox" id="cms-attached" data-testid="cms-attached"> Đính kèm nội dung vào chữ ký</label>
  </fieldset>
  <div><button type="button" id="doc-sign" data-testid="doc-sign" class="primary">Ký tài liệu</button></div>
  <ul id="doc-results" data-testid="doc-results"></ul>
  <div id="doc-error" data-testid="doc-error" class="error" hidden></div>`;
document.body.insertBefore(section, document.querySelector('script'));

const $ = (id) => document.getElementById(id);
const state = (window.kysoDocumentsDemo = { lastResults: null, lastError: null });

function kindOf(file) {
  const chosen = $('doc-kind').value;
  if (chosen !== 'auto') return chosen;
  if (/\.pdf$/i.test(file.name)) return 'pdf';
  if (/\.xml$/i.test(file.name)) return 'xml';
  return 'cms';
}

function optionsFor(kind) {
  if (kind === 'pdf') {
    const page = Number.parseInt($('pdf-page').value, 10);
    const anchor = $('pdf-anchor').value.trim();
    return {
      ...($('pdf-reason').value.trim() ? { reason: $('pdf-reason').value.trim() } : {}),
      ...($('pdf-location').value.trim() ? { location: $('pdf-location').value.trim() } : {}),
      ...($('pdf-invisible').checked ? { invisible: true } : {
        visible: { ...(Number.isInteger(page) && page > 0 ? { page } : {}), ...(anchor ? { anchor: { text: anchor } } : {}) },
      }),
    };
  }
  if (kind === 'xml') {
    return {
      ...($('xml-ref').value.trim() ? { ref: $('xml-ref').value.trim() } : {}),
      ...($('xml-parent').value.trim() ? { parent: $('xml-parent').value.trim() } : {}),
      ...($('xml-xades').checked ? { xades: true } : {}),
    };
  }
  return { ...($('cms-attached').checked ? { attached: true } : {}) };
}

function outputName(file, kind) {
  if (kind === 'cms') return `${file.name}.p7s`;
  const dot = file.name.lastIndexOf('.');
  return dot > 0 ? `${file.name.slice(0, dot)}-da-ky${file.name.slice(dot)}` : `${file.name}-da-ky`;
}

function showResult(file, kind, result) {
  const li = document.createElement('li');
  li.dataset.testid = 'doc-result';
  if (result.ok) {
    const bytes = result.document;
    const type = kind === 'pdf' ? 'application/pdf' : kind === 'xml' ? 'application/xml' : 'application/pkcs7-signature';
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([bytes], { type }));
    link.download = outputName(file, kind);
    link.textContent = `Tải về ${link.download}`;
    link.dataset.testid = 'doc-download';
    li.append(`✔ ${file.name} đã ký (${bytes.length.toLocaleString('vi-VN')} byte) — `, link);
  } else {
    li.className = 'error';
    li.dataset.code = result.error.code;
    li.textContent = `✘ ${file.name}: ${result.error.code} — ${result.error.messageVi ?? result.error.message}`;
  }
  $('doc-results').append(li);
}

$('doc-sign').addEventListener('click', async () => {
  const files = [...$('doc-files').files];
  $('doc-results').replaceChildren();
  $('doc-error').hidden = true;
  if (files.length === 0) { $('doc-error').hidden = false; $('doc-error').textContent = 'Hãy chọn ít nhất một tệp.'; return; }
  $('doc-sign').disabled = true;
  try {
    const documents = files.map((file) => ({ kind: kindOf(file), document: file, fileName: file.name, options: optionsFor(kindOf(file)) }));
    const description = files.length > 1 ? `Hồ sơ ${files.length} tài liệu` : files[0].name;
    // One file: the single-document calls (what most portals use); several: one batch, one window, one PIN.
    let results;
    if (documents.length === 1) {
      const [d] = documents;
      const call = d.kind === 'pdf' ? signPdf({ document: d.document, fileName: d.fileName, description, ...d.options })
        : d.kind === 'xml' ? signXml({ document: d.document, fileName: d.fileName, description, ...d.options })
          : signCms({ data: d.document, fileName: d.fileName, description, ...d.options }).then((r) => ({ document: Uint8Array.from(atob(r.cms), (c) => c.charCodeAt(0)) }));
      results = [{ ok: true, kind: d.kind, document: (await call).document }];
    } else {
      results = (await signBatch({ documents, description })).results;
    }
    state.lastResults = results.map((r) => ({ ok: r.ok, kind: r.kind, size: r.ok ? r.document.length : 0, code: r.ok ? null : r.error.code }));
    results.forEach((r, i) => showResult(files[i], documents[i].kind, r));
  } catch (error) {
    state.lastError = { code: error instanceof KysoError ? error.code : 'UNKNOWN' };
    $('doc-error').hidden = false;
    $('doc-error').dataset.code = state.lastError.code;
    $('doc-error').textContent = error instanceof KysoError ? `${error.code}: ${error.messageVi} — ${error.help.vi}` : `Lỗi: ${error}`;
  } finally {
    $('doc-sign').disabled = false;
  }
});
