/**
 * Add validation data to a PDF as an incremental update [ISO 32000-1 §7.5.6]: a new Document Security Store
 * [ISO 32000-2 §12.8.4.3; ETSI EN 319 142-1 §5.4.2] — /Certs, /OCSPs, /CRLs (arrays of streams holding the DER
 * items) and /VRI entries keyed by the upper-case hex SHA-1 of each signature's /Contents (SHA-1 is a look-up key
 * here, not a signature algorithm) — and the catalog pointing at it. An existing DSS keeps all its entries: the new
 * one lists them too. Earlier bytes never change, so every earlier signature keeps verifying; verifiers count a
 * DSS update as an allowed change (verify/pdf/classify-changes.ts).
 *
 * An encrypted file (one Kyso may sign: opens without a password, allows changes) gets its new streams encrypted
 * with the document key like any other new object [ISO 32000-1 §7.6.2].
 */
import { createHash } from 'node:crypto';
import { PDFArray, PDFDict, PDFName, PDFRawStream, PDFRef, type PDFContext, type PDFObject } from 'pdf-lib';
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import { readPdfStructure } from '../read-pdf-structure.js';
import { serializePdfObject, writeIncrementalUpdate, type UpdateObject } from '../write-incremental-update.js';
import { encryptNewObject } from '../encryption/encrypt-update-objects.js';
import { PDF_MAX_OBJECT_NUMBER } from '../xref/pdf-limits.js';
import type { ValidationMaterial } from '../../cms/collect-validation-data.js';

export interface SignatureValidationEntry {
  /** The signature dictionary's /Contents bytes as stored (padding included): the VRI key is their SHA-1. */
  readonly contents: Uint8Array;
  readonly material: ValidationMaterial;
}

/** The VRI key of a signature [ETSI EN 319 142-1 §5.4.2.2]: upper-case hex SHA-1 of its /Contents bytes. */
export function vriKey(contents: Uint8Array): string {
  return createHash('sha1').update(contents).digest('hex').toUpperCase();
}

/** The input plus one update holding the new DSS. `pdf` is not changed. */
export async function appendDss(pdf: Uint8Array, all: ValidationMaterial, signatures: readonly SignatureValidationEntry[]): Promise<Uint8Array> {
  const structure = await readPdfStructure(pdf);
  const context = structure.doc.context;
  context.largestObjectNumber = Math.max(context.largestObjectNumber, structure.size - 1);
  const base = context.largestObjectNumber;
  const rootRef = context.trailerInfo.Root as PDFRef;
  const catalog = structure.doc.catalog;
  const previous = lookupDict(context, catalog.get(PDFName.of('DSS')));

  // One stream per DER item; an item already in the old DSS is not stored twice.
  const stored = new Map<string, PDFRef>();
  const arrays = { Certs: existingRefs(context, previous, 'Certs'), OCSPs: existingRefs(context, previous, 'OCSPs'), CRLs: existingRefs(context, previous, 'CRLs') };
  for (const [key, refs] of Object.entries(arrays)) {
    for (const ref of refs) {
      const stream = context.lookup(ref);
      // In an encrypted file the stored data is ciphertext: it cannot be matched, only kept.
      if (stream instanceof PDFRawStream && !structure.encryption) stored.set(`${key}:${Buffer.from(stream.contents).toString('base64')}`, ref);
    }
  }
  const streamFor = (key: keyof typeof arrays, der: Uint8Array): PDFRef => {
    const id = `${key}:${Buffer.from(der).toString('base64')}`;
    let ref = stored.get(id);
    if (!ref) {
      ref = context.register(PDFRawStream.of(context.obj({}), der));
      stored.set(id, ref);
      arrays[key].push(ref);
    }
    return ref;
  };
  for (const der of all.certificates) streamFor('Certs', der);
  for (const der of all.ocspResponses) streamFor('OCSPs', der);
  for (const der of all.crls) streamFor('CRLs', der);

  const vri = context.obj({});
  const previousVri = lookupDict(context, previous?.get(PDFName.of('VRI')));
  if (previousVri && !structure.encryption) for (const [key, value] of previousVri.entries()) vri.set(key, value);
  for (const signature of signatures) {
    const item = context.obj({});
    const list = (key: keyof typeof arrays, ders: readonly Uint8Array[]) => {
      if (ders.length > 0) item.set(PDFName.of(key === 'Certs' ? 'Cert' : key === 'OCSPs' ? 'OCSP' : 'CRL'), context.obj(ders.map((d) => streamFor(key, d))));
    };
    list('Certs', signature.material.certificates);
    list('OCSPs', signature.material.ocspResponses);
    list('CRLs', signature.material.crls);
    vri.set(PDFName.of(vriKey(signature.contents)), item);
  }

  const dss = context.obj({ Type: 'DSS' });
  for (const [key, refs] of Object.entries(arrays)) if (refs.length > 0) dss.set(PDFName.of(key), context.obj(refs));
  if (vri.entries().length > 0) dss.set(PDFName.of('VRI'), vri);
  const dssRef = context.register(dss);
  catalog.set(PDFName.of('DSS'), dssRef);

  if (context.largestObjectNumber + 1 > PDF_MAX_OBJECT_NUMBER) {
    throw new KysoError('UNSUPPORTED_DOCUMENT', { reason: `no object numbers left below the PDF limit of ${PDF_MAX_OBJECT_NUMBER}`, size: structure.size });
  }
  const encryption = structure.encryption;
  if (encryption) {
    for (const [ref] of context.enumerateIndirectObjects()) if (ref.objectNumber > base) encryptNewObject(context, ref, encryption);
    // A catalog read from an object stream had its strings in clear there; written as a plain object they are encrypted.
    if (structure.view.locations.get(rootRef.objectNumber)?.kind === 'compressed') encryptNewObject(context, rootRef, encryption);
  }
  const objects: UpdateObject[] = [];
  for (const [ref, object] of context.enumerateIndirectObjects()) {
    if (ref.objectNumber > base || ref === rootRef || (ref.objectNumber === rootRef.objectNumber && ref.generationNumber === rootRef.generationNumber)) {
      objects.push({ objectNumber: ref.objectNumber, generation: ref.generationNumber, body: serializePdfObject(object) });
    }
  }
  const written = writeIncrementalUpdate(objects, {
    prevStartXref: structure.prevStartXref, size: structure.size, root: rootRef,
    info: context.trailerInfo.Info, id: context.trailerInfo.ID, encrypt: context.trailerInfo.Encrypt, xrefIsStream: structure.xrefIsStream,
  }, structure.length, !structure.endsWithEol);
  const out = new Uint8Array(pdf.length + written.bytes.length);
  out.set(pdf, 0);
  out.set(written.bytes, pdf.length);
  return out;
}

function lookupDict(context: PDFContext, value: PDFObject | undefined): PDFDict | undefined {
  const object = value instanceof PDFRef ? context.lookup(value) : value;
  return object instanceof PDFDict ? object : undefined;
}

function existingRefs(context: PDFContext, dss: PDFDict | undefined, key: string): PDFRef[] {
  const value = dss?.get(PDFName.of(key));
  const array = value instanceof PDFRef ? context.lookup(value) : value;
  return array instanceof PDFArray ? array.asArray().filter((v): v is PDFRef => v instanceof PDFRef) : [];
}
