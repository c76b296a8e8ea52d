// The demo portal: plain JavaScript over the Kyso page SDK (served from /sdk/kyso.js).
import { getStatus, listCertificates, signHash, toBase64, KysoError } from '/sdk/kyso.js';

/** Why a certificate cannot sign, in the words the person reads (reasons as the SDK names them). */
const UNUSABLE_VI = {
  expired: 'đã hết hạn',
  notYetValid: 'chưa đến ngày hiệu lực',
  noSigningKeyUsage: 'không dùng để ký',
  noPrivateKey: 'không có khoá bí mật',
  unsupportedKey: 'loại khoá không hỗ trợ',
};

const $ = (id) => document.getElementById(id);
/** State for people and tests: the last result or error. */
const demo = (window.kysoDemo = { lastResult: null, lastError: null, lastDigestHex: null });

function showError(error) {
  const box = $('error');
  box.hidden = false;
  if (error instanceof KysoError) {
    box.textContent = `${error.code}: ${error.messageVi} — ${error.help.vi}`;
    box.dataset.code = error.code;
    demo.lastError = { code: error.code, message: error.message };
  } else {
    box.textContent = `Lỗi: ${error}`;
    box.dataset.code = 'UNKNOWN';
    demo.lastError = { code: 'UNKNOWN', message: String(error) };
  }
}

function clearOutput() {
  $('error').hidden = true;
  $('error').textContent = '';
  delete $('error').dataset.code;
  $('result').hidden = true;
  demo.lastError = null;
  demo.lastResult = null;
}

async function refreshStatus() {
  $('status').textContent = 'Đang kiểm tra…';
  $('tokens').replaceChildren();
  try {
    const status = await getStatus();
    if (status.missing === 'extension') {
      // getStatus() names the missing piece instead of throwing (sdk/README.md "Install links").
      $('status').textContent = `${new KysoError('EXTENSION_NOT_INSTALLED').messageVi} (EXTENSION_NOT_INSTALLED)`;
      $('status').dataset.state = 'EXTENSION_NOT_INSTALLED';
      return;
    }
    const host = status.host.installed ? `phần mềm Kyso ${status.host.version}` : `chưa có phần mềm Kyso (${status.host.error.code})`;
    $('status').textContent = `Tiện ích Kyso ${status.extensionVersion} · ${host} · ${status.tokens.length} thiết bị ký`;
    $('status').dataset.state = status.host.installed ? 'ready' : 'no-host';
    for (const token of status.tokens) {
      const li = document.createElement('li');
      li.textContent = `${token.label} (${token.manufacturer} ${token.model}, số sê-ri ${token.serialNumber})`;
      $('tokens').append(li);
    }
    if (status.host.installed) await refreshCertificates();
  } catch (error) {
    $('status').textContent = error instanceof KysoError ? `${error.messageVi} (${error.code})` : String(error);
    $('status').dataset.state = error instanceof KysoError ? error.code : 'error';
  }
}

async function refreshCertificates() {
  const box = $('certificates');
  box.replaceChildren();
  const none = document.createElement('label');
  none.className = 'cert';
  none.innerHTML = '<input type="radio" name="cert" value="" checked> Chọn trong cửa sổ Kyso';
  box.append(none);
  for (const certificate of await listCertificates()) {
    const label = document.createElement('label');
    label.className = `cert${certificate.unusableReasons.length ? ' disabled' : ''}`;
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'cert';
    radio.value = certificate.id;
    radio.disabled = certificate.unusableReasons.length > 0;
    label.dataset.testid = 'demo-certificate';
    label.dataset.certificateId = certificate.id;
    // Typed identifiers as a person reads them ("MST: 0101234567", "CCCD: 001099012345"), and who issued it.
    const ids = certificate.subject.identifiers.all.map((id) => id.replace(':', ': ')).join(', ');
    const issuer = certificate.issuer.ca ?? certificate.issuer.commonName ?? certificate.issuer.dn;
    label.append(radio, ` ${certificate.subject.commonName ?? certificate.subject.dn}${ids ? ` — ${ids}` : ''} — cấp bởi ${issuer} — ${certificate.keyType} — hết hạn ${certificate.notAfter.slice(0, 10)}`
      + (certificate.unusableReasons.length ? ` (không dùng được: ${certificate.unusableReasons.map((r) => UNUSABLE_VI[r] ?? r).join(', ')})` : ''));
    box.append(label);
  }
}

async function documentBytes() {
  const file = $('file').files?.[0];
  if (file) return new Uint8Array(await file.arrayBuffer());
  return new TextEncoder().encode($('text').value);
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

async function sign() {
  clearOutput();
  $('sign').disabled = true;
  try {
    const hashAlgorithm = $('hash-algorithm').value;
    const digest = new Uint8Array(await crypto.subtle.digest(hashAlgorithm, await documentBytes()));
    demo.lastDigestHex = hex(digest);
    const certificateId = document.querySelector('input[name=cert]:checked')?.value || undefined;
    const description = $('description').value.trim() || undefined;
    // signHash resolves only after the SDK checked the signature against the returned certificate.
    const result = await signHash({ hash: toBase64(digest), hashAlgorithm, certificateId, description });
    demo.lastResult = result;
    $('signer').textContent = (await listCertificates()).find((c) => c.der === result.certificate)?.subject.dn ?? '(chứng thư không còn trên thiết bị)';
    $('algorithm').textContent = `${result.signatureAlgorithm} / ${result.hashAlgorithm}`;
    $('digest').textContent = demo.lastDigestHex;
    $('signature').textContent = result.signature;
    $('certificate').textContent = result.certificate;
    $('result').hidden = false;
  } catch (error) {
    showError(error);
  } finally {
    $('sign').disabled = false;
  }
}

$('sign').addEventListener('click', sign);
$('refresh').addEventListener('click', refreshStatus);
refreshStatus();
