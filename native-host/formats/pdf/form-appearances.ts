/**
 * Forms that ask viewers to draw their fields (/NeedAppearances true — LibreOffice and many form tools write it)
 * are drawn differently by every viewer, and poppler and Adobe Reader then also redraw or hide a signature
 * widget's appearance: the stamp does not show. PDF 2.0 deprecates the flag [ISO 32000-2 §12.7.3 Table 224]. So
 * the signing update carries the fields' appearance streams [ISO 32000-1 §12.7.3.3, §12.5.5] — made here from
 * each field's value, /DA and options by pdf-lib's field appearance providers, in a font that covers Vietnamese
 * (DejaVu Sans, subset) — and removes the flag. Signature fields keep their own appearances. Only objects that
 * change (fields and widgets) and new ones (streams, the font) go into the update, so earlier revisions, and any
 * earlier signature over them, are untouched.
 */
import {
  PDFAcroForm, PDFArray, PDFBool, PDFButton, PDFCheckBox, PDFDict, PDFDropdown, PDFForm, PDFName, PDFOptionList, PDFRadioGroup, PDFRef,
  PDFSignature, PDFTextField, StandardFonts, type PDFDocument, type PDFField, type PDFFont,
} from 'pdf-lib';

export interface FormAppearanceResult {
  /** Existing objects (fields, widgets) whose dictionaries changed and must be rewritten. */
  readonly changed: readonly PDFRef[];
  /** Fields whose appearance was drawn. */
  readonly drawn: number;
}

/** True when the AcroForm asks viewers to draw the fields themselves. */
export function needsAppearances(doc: PDFDocument, acroForm: PDFDict): boolean {
  return doc.context.lookup(acroForm.get(PDFName.of('NeedAppearances'))) === PDFBool.True;
}

/** The indirect objects of the form's field tree (fields, kids, widgets), found from /Fields down through /Kids; bounded. */
export function formObjectRefs(doc: PDFDocument, acroForm: PDFDict): PDFRef[] {
  const context = doc.context;
  const found = new Set<PDFRef>();
  const stack: unknown[] = [];
  const push = (value: unknown): void => { const array = context.lookup(value as PDFRef); if (array instanceof PDFArray) stack.push(...array.asArray()); };
  push(acroForm.get(PDFName.of('Fields')));
  while (stack.length > 0 && found.size < MAX_FORM_OBJECTS) {
    const item = stack.pop();
    if (!(item instanceof PDFRef) || found.has(item)) continue;
    found.add(item);
    const node = context.lookup(item);
    if (node instanceof PDFDict) push(node.get(PDFName.of('Kids')));
  }
  return [...found];
}

/** Field-tree objects visited (a real form has hundreds at most). */
const MAX_FORM_OBJECTS = 100_000;

/**
 * Draw every non-signature field's appearance and clear /NeedAppearances. When a field cannot be drawn (a value
 * the font cannot show, a damaged field), the flag is left on: the viewer's own drawing beats an empty box.
 */
export async function drawFormAppearances(doc: PDFDocument, acroForm: PDFDict, fontBytes: Uint8Array | undefined): Promise<FormAppearanceResult> {
  const context = doc.context;
  // PDFForm.of, not doc.getForm(): getForm would delete XFA data and print a warning on stdout (the host's channel).
  const form = PDFForm.of(PDFAcroForm.fromDict(acroForm), doc);
  let font: PDFFont | undefined;
  if (fontBytes) {
    // Imported here, not at the top: fontkit (~0.2 s to evaluate) is needed only for a form that asks to be drawn.
    const { default: fontkit } = await import('@pdf-lib/fontkit');
    doc.registerFontkit(fontkit);
    font = await doc.embedFont(new Uint8Array(fontBytes), { subset: true }).catch(() => undefined);
  }
  // Without DejaVu, Helvetica draws Latin values; a Vietnamese one then fails and keeps the flag on.
  font ??= doc.embedStandardFont(StandardFonts.Helvetica);
  const changed = new Set<PDFRef>();
  let drawn = 0;
  let failed = 0;
  for (const field of form.getFields()) {
    if (field instanceof PDFSignature) continue;
    try {
      if (!drawField(field, font)) continue;
      drawn++;
      changed.add(field.ref);
      for (const widget of field.acroField.getWidgets()) {
        const ref = context.getObjectRef(widget.dict);
        if (ref) changed.add(ref);
      }
    } catch {
      failed++;
    }
  }
  if (drawn > 0) await font.embed();
  if (failed === 0) acroForm.delete(PDFName.of('NeedAppearances'));
  return { changed: [...changed].filter((ref) => ref.objectNumber > 0), drawn };
}

/** Draw one field with the viewer-independent provider; false when the field type has nothing to draw. */
function drawField(field: PDFField, font: PDFFont): boolean {
  if (field instanceof PDFTextField || field instanceof PDFDropdown || field instanceof PDFOptionList) {
    field.updateAppearances(font);
    return true;
  }
  // Check boxes and radio buttons carry on/off appearances already when made by a form tool; draw missing ones.
  if (field instanceof PDFCheckBox || field instanceof PDFRadioGroup) {
    if (!field.needsAppearancesUpdate()) return false;
    field.defaultUpdateAppearances();
    return true;
  }
  if (field instanceof PDFButton) {
    if (!field.needsAppearancesUpdate()) return false;
    field.updateAppearances(font);
    return true;
  }
  return false;
}
